import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { precompile } from './compile.mjs';

/**
 * vitest globalSetup: compiles the workspace's TypeScript sources once per test run (esbuild, well
 * under a second of CPU) into a fresh cache directory and tells every `peftkit` the tests spawn to
 * load them through register.mjs instead of tsx (PEFTKIT_TS_LOADER, PEFTKIT_TS_CACHE: test files
 * and their child processes inherit this process's environment). The cache is keyed by path and
 * content and removed at the end of the run, so no output of an older source is ever loaded.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));

async function sources(dir: string, out: string[] = []): Promise<string[]> {
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules') continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) await sources(p, out);
    else if (/\.[mc]?ts$/.test(e.name) && !/\.d\.[mc]?ts$|\.test\.ts$/.test(e.name)) out.push(p);
  }
  return out;
}

export default async function setup(): Promise<() => Promise<void>> {
  const cache = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-ts-'));
  // Readable by the storage test's child, which may run as another user.
  await fs.chmod(cache, 0o755);
  const files: string[] = [];
  for (const top of ['packages', 'examples']) {
    for (const pkg of await fs.readdir(path.join(root, top))) {
      const src = path.join(root, top, pkg, 'src');
      if (await fs.stat(src).catch(() => undefined)) await sources(src, files);
    }
  }
  await precompile(cache, files);
  process.env['PEFTKIT_TS_CACHE'] = cache;
  process.env['PEFTKIT_TS_LOADER'] = path.join(root, 'scripts', 'ts-loader', 'register.mjs');
  return () => fs.rm(cache, { recursive: true, force: true });
}
