import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertRealInside, PathOutsideRootError, resolveInsideRoot } from './inside-root.js';

let tmp: string;
let root: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'inside-root-'));
  root = path.join(tmp, 'data');
  await fs.mkdir(path.join(root, 'imgs'), { recursive: true });
  await fs.writeFile(path.join(root, 'imgs', 'a.png'), 'x');
  await fs.writeFile(path.join(tmp, 'secret.txt'), 'secret');
  await fs.symlink(path.join(tmp, 'secret.txt'), path.join(root, 'imgs', 'link.png'));
  await fs.symlink(tmp, path.join(root, 'up'));
  await fs.symlink(path.join(root, 'imgs', 'a.png'), path.join(root, 'inner.png'));
});

afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

describe('resolveInsideRoot', () => {
  it('resolves relative paths inside the root, also through links that stay inside', () => {
    expect(resolveInsideRoot(root, 'imgs/a.png', 'm.csv:2')).toBe(path.join(root, 'imgs', 'a.png'));
    expect(resolveInsideRoot(root, 'imgs\\a.png', 'm.csv:2')).toBe(path.join(root, 'imgs', 'a.png'));
    expect(resolveInsideRoot(root, 'inner.png', 'm.csv:3')).toBe(path.join(root, 'inner.png'));
    // A missing file is the reader's open to report, not a containment problem.
    expect(resolveInsideRoot(root, 'imgs/missing.png', 'm.csv:4')).toBe(
      path.join(root, 'imgs', 'missing.png'),
    );
  });

  it('refuses absolute paths, ../ escapes and symlinks leading outside, naming the row', () => {
    expect(() => resolveInsideRoot(root, '/etc/passwd', 'm.csv:2')).toThrow(
      /m\.csv:2: absolute path '\/etc\/passwd' refused.*data\.allowOutsideRoot: true/,
    );
    expect(() => resolveInsideRoot(root, '../../x.png', 'm.csv:3')).toThrow(
      "m.csv:3: path '../../x.png' leads outside the dataset folder",
    );
    expect(() => resolveInsideRoot(root, 'imgs/../..', 'm.csv:3')).toThrow(PathOutsideRootError);
    expect(() => resolveInsideRoot(root, 'imgs/link.png', 'm.csv:4')).toThrow(
      /m\.csv:4: path 'imgs\/link\.png' resolves \(through a symlink\) to .*secret\.txt, outside the dataset folder/,
    );
    expect(() => resolveInsideRoot(root, 'up/secret.txt', 'm.csv:5')).toThrow(PathOutsideRootError);
    expect(() => resolveInsideRoot(root, 'up/not-there.png', 'm.csv:6')).toThrow(PathOutsideRootError);
    expect(() => resolveInsideRoot(root, '', 'm.csv:7')).toThrow('m.csv:7: empty path');
  });

  it('accepts any path with allowOutsideRoot', () => {
    const allow = { allowOutsideRoot: true };
    expect(resolveInsideRoot(root, '/etc/passwd', 'm.csv:2', allow)).toBe('/etc/passwd');
    expect(resolveInsideRoot(root, '../secret.txt', 'm.csv:2', allow)).toBe(path.join(tmp, 'secret.txt'));
    expect(resolveInsideRoot(root, 'imgs/link.png', 'm.csv:2', allow)).toBe(
      path.join(root, 'imgs', 'link.png'),
    );
  });
});

describe('assertRealInside', () => {
  it('checks listed files of a folder against the real root', () => {
    expect(() => assertRealInside(root, path.join(root, 'imgs', 'a.png'), 'a.png')).not.toThrow();
    expect(() => assertRealInside(root, path.join(root, 'imgs', 'link.png'), 'link.png')).toThrow(
      PathOutsideRootError,
    );
    expect(() =>
      assertRealInside(root, path.join(root, 'imgs', 'link.png'), 'link.png', { allowOutsideRoot: true }),
    ).not.toThrow();
  });
});
