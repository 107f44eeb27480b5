import { execFile } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const register = fileURLToPath(new URL('./register.mjs', import.meta.url));
const coreSrc = fileURLToPath(new URL('../../packages/core/src', import.meta.url));

let tmp: string;
let cache: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-ts-loader-'));
  cache = path.join(tmp, 'cache');
  await fs.mkdir(cache);
});
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

/** `node --import register.mjs <entry>` with its own cache and, as under the suite, the test build of core. */
async function node(entry: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', register, entry], {
    env: { ...process.env, PEFTKIT_TS_CACHE: cache },
  });
  return stdout.trim();
}

describe('scripts/ts-loader', () => {
  it('loads TypeScript with `./x.js` imports meaning `./x.ts`, and an edited file is compiled again', async () => {
    const main = path.join(tmp, 'main.ts');
    const dep = path.join(tmp, 'dep.ts');
    await fs.writeFile(
      main,
      "import { value } from './dep.js';\nconst n: number = value;\nconsole.log(n);\n",
    );
    await fs.writeFile(dep, 'export const value: number = 1;\n');
    expect(await node(main)).toBe('1');
    const cached = (await fs.readdir(cache)).length;
    expect(cached).toBe(2);
    await fs.writeFile(dep, 'export const value: number = 2;\n');
    expect(await node(main)).toBe('2');
    // One more entry (the new dep.ts); main.ts came from the cache.
    expect((await fs.readdir(cache)).length).toBe(cached + 1);
  });

  it("hands a module of core's sources over from the test build of core, which the suite sets up", async () => {
    const dist = process.env['PEFTKIT_CORE_DIST'];
    expect(dist, 'PEFTKIT_CORE_DIST (vitest globalSetup)').toBeTruthy();
    const probe = path.join(tmp, 'probe.mjs');
    await fs.writeFile(
      probe,
      `const m = await import(${JSON.stringify(path.join(coreSrc, 'plugin', 'version.ts'))});\n` +
        `console.log(JSON.stringify({ url: import.meta.resolve(${JSON.stringify(path.join(coreSrc, 'plugin', 'version.ts'))}), version: m.PEFTKIT_VERSION }));\n`,
    );
    const out = JSON.parse(await node(probe)) as { url: string; version: string };
    expect(fileURLToPath(out.url)).toBe(path.join(dist as string, 'plugin', 'version.js'));
    const pkg = JSON.parse(await fs.readFile(path.join(coreSrc, '..', 'package.json'), 'utf8'));
    expect(out.version).toBe(pkg.version);
  });
});
