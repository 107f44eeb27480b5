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

/**
 * `peftkit train` of the toy preset into `out`. Root ignores permission bits, so as root the child
 * runs without the capabilities that bypass them (setpriv drops CAP_DAC_OVERRIDE and
 * CAP_DAC_READ_SEARCH): it stays root, so it can still read a checkout only root may enter, but a
 * mode-555 directory refuses it. Without setpriv it runs as nobody (the checkout must then be
 * readable by everyone).
 */
async function trainInto(plugin: string, out: string): Promise<{ code: number | null; stderr: string }> {
  const args = [bin, '--no-discover', '--plugin', plugin, 'train', '--preset', 'toy/basic', '--out', out];
  const root = process.getuid?.() === 0;
  const setpriv = root ? await findSetpriv() : undefined;
  const caps = '-dac_override,-dac_read_search';
  const [command, argv] = setpriv
    ? [setpriv, ['--bounding-set', caps, '--inh-caps', caps, process.execPath, ...args]]
    : [process.execPath, args];
  const child = spawn(command, argv, {
    cwd: tmp,
    env: { ...process.env, PEFTKIT_BACKEND: 'cpu', HOME: tmp },
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(root && !setpriv ? { uid: 65534, gid: 65534 } : {}),
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stderr };
}

async function findSetpriv(): Promise<string | undefined> {
  for (const dir of ['/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
    const candidate = path.join(dir, 'setpriv');
    if (
      await fs.access(candidate).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  return undefined;
}
