/** JavaScript for `file` (contents `source`): from the cache in `dir`, else compiled now and cached. */
export function compiledSource(dir: string, file: string, source: string): string;
/** Compiles `files` into the cache of `dir` in one esbuild service (the test run's warm-up). */
export function precompile(dir: string, files: readonly string[]): Promise<void>;
/** `packageDir` compiled under `out` in its published layout (package.json, dist/, node_modules link). */
export function buildPackage(packageDir: string, out: string, files: readonly string[]): Promise<void>;
