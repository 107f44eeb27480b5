import { spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachPath } from '../io/storage-error.js';
import { classifyError } from './exit-code.js';

/** Issue 15: a full disk or a read-only directory is reported by path, as the user's to fix (exit 2). */
const bin = fileURLToPath(new URL('../../bin/peftkit.js', import.meta.url));
const toyModule = fileURLToPath(new URL('../plugin/testing/toy-plugin.ts', import.meta.url));

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-storage-'));
  await fs.chmod(tmp, 0o755);
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('storage errors', () => {
  it('ENOSPC (a real write to /dev/full) names the file and exits 2', async () => {
    const err = await fs.appendFile('/dev/full', 'x').then(
      () => undefined,
      (e: unknown) => attachPath(e, '/dev/full'),
    );
    expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(classifyError(err)).toEqual({
      code: 2,
      message: 'cannot write /dev/full: no space left on the device (ENOSPC)',
      userCaused: true,
    });
  });

  it('train --out in or under a read-only directory: one line naming the path (EACCES, not ENOENT or a temp file), exit 2', async () => {
    const plugin = path.join(tmp, 'toy.mjs');
    await fs.writeFile(plugin, `export { toyPlugin as default } from ${JSON.stringify(toyModule)};\n`);
    await fs.chmod(plugin, 0o644);
    const ro = path.join(tmp, 'ro');
    await fs.mkdir(ro, { mode: 0o555 });
    const [under, inside] = await Promise.all([
      trainInto(plugin, path.join(ro, 'run')),
      // An existing empty directory: the first write is the atomic manifest write.
      trainInto(plugin, ro),
    ]);
    expect(under.code, under.stderr).toBe(2);
    expect(under.stderr.trim().split('\n').at(-1)).toBe(
      `peftkit: cannot write ${path.join(ro, 'run')}: permission denied (EACCES)`,
    );
    expect(inside.code, inside.stderr).toBe(2);
    expect(inside.stderr.trim().split('\n').at(-1)).toBe(
      `peftkit: cannot write ${path.join(ro, 'peftkit-run.json')}: permission denied (EACCES)`,
    );
  }, 30_000);
});

/** `peftkit train` of the toy preset into `out`, as nobody when run as root (root ignores permission bits). */
async function trainInto(plugin: string, out: string): Promise<{ code: number | null; stderr: string }> {
  const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const args = [bin, '--no-discover', '--plugin', plugin, 'train', '--preset', 'toy/basic', '--out', out];
  const child = spawn(process.execPath, args, {
    cwd: tmp,
    env: { ...process.env, PEFTKIT_BACKEND: 'cpu', HOME: tmp },
    stdio: ['ignore', 'ignore', 'pipe'],
    ...asUser,
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stderr };
}
