import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { buildPackage, precompile } from './compile.mjs';

/**
 * vitest globalSetup: compiles the workspace's TypeScript sources once per test run (esbuild, about
 * a second of CPU) into a fresh directory, for every `peftkit` process the tests spawn: core as a
 * built package there (PEFTKIT_CORE_DIST, which bin/peftkit.js runs as plain JavaScript), the
 * plugins' and examples' modules in a cache register.mjs loads them from (PEFTKIT_TS_LOADER,
 * PEFTKIT_TS_CACHE). Test files and their child processes inherit this process's environment.
 * The directory is removed at the end of the run (and rebuilt before each rerun in watch mode), and
 * the cache is keyed by path and content, so no output of an older source is ever loaded.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));

/** The files under `dir` that `keep` accepts, node_modules aside. */
async function walk(dir: string, keep: (name: string) => boolean, out: string[] = []): Promise<string[]> {
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules') continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) await walk(p, keep, out);
    else if (keep(e.name)) out.push(p);
  }
  return out;
}

const isModule = (name: string) => /\.[mc]?ts$/.test(name) && !/\.d\.[mc]?ts$|\.test\.ts$/.test(name);

/** Builds the sources into a fresh directory and points the environment at it. */
async function build(): Promise<string> {
  const cache = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-ts-'));
  // Readable by the storage test's child, which may run as another user.
  await fs.chmod(cache, 0o755);
  const core = path.join(root, 'packages', 'core');
  const coreFiles = await walk(path.join(core, 'src'), (n) => isModule(n) || /\.(mjs|cjs|json)$/.test(n));
  const others: string[] = [];
  for (const top of ['packages', 'examples']) {
    for (const pkg of await fs.readdir(path.join(root, top))) {
      const src = path.join(root, top, pkg, 'src');
      if (src.startsWith(`${core}${path.sep}`)) continue;
      if (await fs.stat(src).catch(() => undefined)) await walk(src, isModule, others);
    }
  }
  await Promise.all([buildPackage(core, path.join(cache, 'core'), coreFiles), precompile(cache, others)]);
  process.env['PEFTKIT_CORE_DIST'] = path.join(cache, 'core', 'dist');
  process.env['PEFTKIT_TS_CACHE'] = cache;
  process.env['PEFTKIT_TS_LOADER'] = path.join(root, 'scripts', 'ts-loader', 'register.mjs');
  return cache;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let cache = await build();
  // Watch mode: sources may have changed since; the next run's processes get a new build.
  project.onTestsRerun(async () => {
    const old = cache;
    cache = await build();
    await fs.rm(old, { recursive: true, force: true });
  });
  return () => fs.rm(cache, { recursive: true, force: true });
}
