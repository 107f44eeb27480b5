// The TypeScript -> JavaScript step of the test runs' loader (see register.mjs): esbuild's
// transform, as tsx does it (tsx's own esbuild, the repository's compiler options, inline source
// maps), cached under a key of path and content so that an edited file can never meet old output.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);

/** esbuild as tsx resolves it: the same transform the CLI gets outside tests. */
function loadEsbuild() {
  const tsx = path.dirname(require.resolve('tsx/package.json', { paths: [root] }));
  return createRequire(path.join(tsx, 'package.json'))('esbuild');
}

const compilerOptions = JSON.parse(
  fs.readFileSync(path.join(root, 'tsconfig.base.json'), 'utf8'),
).compilerOptions;

/** esbuild options for one file. */
export const transformOptions = (file) => ({
  loader: 'ts',
  format: 'esm',
  sourcefile: file,
  sourcemap: 'inline',
  tsconfigRaw: { compilerOptions },
});

/** The cache file of `file` with contents `source` under `dir`. */
export function cacheFile(dir, file, source) {
  const key = createHash('sha1').update(file).update('\0').update(source).digest('hex');
  return path.join(dir, `${key}.js`);
}

/** Writes `code` to `target` atomically (processes share the cache); a failed write is not an error. */
export function writeCache(target, code) {
  const tmp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    fs.writeFileSync(tmp, code, { mode: 0o644 });
    fs.renameSync(tmp, target);
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}

let esbuild;

/** JavaScript for `file` (contents `source`): from the cache, else compiled now and cached. */
export function compiledSource(dir, file, source) {
  const target = cacheFile(dir, file, source);
  try {
    return fs.readFileSync(target, 'utf8');
  } catch {
    esbuild ??= loadEsbuild();
    const { code } = esbuild.transformSync(source, transformOptions(file));
    writeCache(target, code);
    return code;
  }
}

/** Compiles `files` into the cache of `dir` in one esbuild service (the test run's warm-up). */
export async function precompile(dir, files) {
  esbuild ??= loadEsbuild();
  await Promise.all(
    files.map(async (file) => {
      const source = await fs.promises.readFile(file, 'utf8');
      const { code } = await esbuild.transform(source, transformOptions(file));
      writeCache(cacheFile(dir, file, source), code);
    }),
  );
}

/**
 * Lays out `packageDir` (a workspace package) compiled under `out` as its published tarball has it:
 * `package.json` with the published exports, `dist/` with every source module of `src/` as
 * JavaScript (test helpers included, `*.test.ts` not) and the hand-written `.mjs`/`.cjs`/`.json`
 * files, and `node_modules` linked to the package's own, so its imports resolve as in the repository.
 */
export async function buildPackage(packageDir, out, files) {
  esbuild ??= loadEsbuild();
  const src = path.join(packageDir, 'src');
  const dist = path.join(out, 'dist');
  const pkg = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
  fs.mkdirSync(dist, { recursive: true });
  fs.writeFileSync(
    path.join(out, 'package.json'),
    JSON.stringify({ ...pkg, exports: pkg.publishConfig?.exports ?? pkg.exports }),
  );
  fs.symlinkSync(path.join(packageDir, 'node_modules'), path.join(out, 'node_modules'), 'dir');
  await Promise.all(
    files.map(async (file) => {
      const target = path.join(dist, path.relative(src, file));
      await fs.promises.mkdir(path.dirname(target), { recursive: true });
      if (!/\.[mc]?ts$/.test(file)) return fs.promises.copyFile(file, target);
      const source = await fs.promises.readFile(file, 'utf8');
      const { code } = await esbuild.transform(source, transformOptions(file));
      await fs.promises.writeFile(target.replace(/ts$/, 'js'), code);
    }),
  );
}
