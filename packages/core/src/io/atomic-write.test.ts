import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeDirAtomic, writeFileAtomic, writeJsonAtomic } from './atomic-write.js';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-atomic-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('writes bytes and text and leaves no temp file', async () => {
    const target = path.join(dir, 'a.bin');
    await writeFileAtomic(target, new Uint8Array([1, 2, 3]));
    expect([...(await fs.readFile(target))]).toEqual([1, 2, 3]);
    await writeFileAtomic(target, 'hello');
    expect(await fs.readFile(target, 'utf8')).toBe('hello');
    expect(await fs.readdir(dir)).toEqual(['a.bin']);
  });

  it('keeps the old file and removes nothing else when the producer throws', async () => {
    const target = path.join(dir, 'keep.txt');
    await writeFileAtomic(target, 'old');
    await expect(
      writeFileAtomic(target, () => {
        throw new Error('serializer exploded');
      }),
    ).rejects.toThrow('serializer exploded');
    expect(await fs.readFile(target, 'utf8')).toBe('old');
    expect(await fs.readdir(dir)).toEqual(['keep.txt']);
  });

  it('removes its temp file when the final rename fails', async () => {
    // Renaming a file over a non-empty directory fails after the temp file was fully written.
    const target = path.join(dir, 'occupied');
    await fs.mkdir(target);
    await fs.writeFile(path.join(target, 'inside.txt'), 'x');
    await expect(writeFileAtomic(target, 'data')).rejects.toThrow();
    expect(await fs.readdir(dir)).toEqual(['occupied']);
    expect(await fs.readFile(path.join(target, 'inside.txt'), 'utf8')).toBe('x');
  });

  it('concurrent writers each use their own temp file; the result is one complete version', async () => {
    const target = path.join(dir, 'race.txt');
    const versions = Array.from({ length: 8 }, (_, i) => String(i).repeat(10_000));
    await Promise.all(versions.map((v) => writeFileAtomic(target, v)));
    expect(versions).toContain(await fs.readFile(target, 'utf8'));
    expect(await fs.readdir(dir)).toEqual(['race.txt']);
  });
});

describe('writeJsonAtomic', () => {
  it('writes pretty JSON with a trailing newline', async () => {
    const target = path.join(dir, 'c.json');
    await writeJsonAtomic(target, { a: 1, b: [true] });
    expect(await fs.readFile(target, 'utf8')).toBe('{\n  "a": 1,\n  "b": [\n    true\n  ]\n}\n');
  });

  it('rejects unserializable values before touching the disk', async () => {
    const target = path.join(dir, 'c.json');
    await writeJsonAtomic(target, { v: 1 });
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    await expect(writeJsonAtomic(target, cyclic)).rejects.toThrow(/circular/i);
    await expect(writeJsonAtomic(target, undefined)).rejects.toThrow(/not JSON-serializable/);
    expect(JSON.parse(await fs.readFile(target, 'utf8'))).toEqual({ v: 1 });
    expect(await fs.readdir(dir)).toEqual(['c.json']);
  });
});

describe('writeDirAtomic', () => {
  it('creates a new directory, then replaces it as a whole', async () => {
    const target = path.join(dir, 'ckpt');
    await writeDirAtomic(target, async (tmp) => {
      await fs.writeFile(path.join(tmp, 'a.txt'), '1');
      await fs.writeFile(path.join(tmp, 'stale.txt'), 'old');
    });
    await writeDirAtomic(target, async (tmp) => {
      await fs.writeFile(path.join(tmp, 'a.txt'), '2');
    });
    expect(await fs.readdir(target)).toEqual(['a.txt']);
    expect(await fs.readFile(path.join(target, 'a.txt'), 'utf8')).toBe('2');
    expect(await fs.readdir(dir)).toEqual(['ckpt']);
  });

  it('keeps the old directory untouched when filling fails', async () => {
    const target = path.join(dir, 'ckpt');
    await writeDirAtomic(target, (tmp) => fs.writeFile(path.join(tmp, 'a.txt'), 'good'));
    await expect(
      writeDirAtomic(target, async (tmp) => {
        await fs.writeFile(path.join(tmp, 'a.txt'), 'half');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(await fs.readFile(path.join(target, 'a.txt'), 'utf8')).toBe('good');
    expect(await fs.readdir(dir)).toEqual(['ckpt']);
  });

  it('refuses to replace a regular file', async () => {
    const target = path.join(dir, 'file');
    await fs.writeFile(target, 'x');
    await expect(writeDirAtomic(target, async () => undefined)).rejects.toThrow(/not a directory/);
    expect(await fs.readdir(dir)).toEqual(['file']);
  });
});
