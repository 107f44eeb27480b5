import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { captureOutput, runCli } from '@peftkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Issue 15: a base trained on another number of columns is refused with one line naming the
 * feature counts (exit 2), not deep inside Linear.forward.
 */
const packageDir = fileURLToPath(new URL('..', import.meta.url));

async function cli(argv: string[]) {
  const r = await captureOutput(() => runCli(['--plugin', packageDir, '--no-discover', ...argv]));
  return { code: r.result, stderr: r.stderr };
}

function table(columns: number, rows = 60): string {
  const lines = [[...Array.from({ length: columns }, (_, i) => `f${i}`), 'label'].join(',')];
  for (let r = 0; r < rows; r++) {
    const xs = Array.from({ length: columns }, (_, i) => Math.sin(r * 1.7 + i * 0.9));
    lines.push([...xs.map((x) => x.toFixed(3)), xs.reduce((a, b) => a + b, 0) > 0 ? 'a' : 'b'].join(','));
  }
  return `${lines.join('\n')}\n`;
}

let dir: string;
beforeAll(async () => {
  process.env['PEFTKIT_BACKEND'] = 'cpu';
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-tabular-mismatch-'));
  await fs.writeFile(path.join(dir, 'six.csv'), table(6));
  await fs.writeFile(path.join(dir, 'four.csv'), table(4));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('a base with another feature count', () => {
  it('is refused in one line naming expected vs found, with or without its preprocessor.json', async () => {
    const base = path.join(dir, 'base6');
    const full = await cli([
      'train',
      '--preset',
      'tabular/classification',
      '--set',
      'peft=full',
      '--data',
      path.join(dir, 'six.csv'),
      '--max-steps',
      '1',
      '--out',
      base,
    ]);
    expect(full.code, full.stderr).toBe(0);
    const adapt = [
      'train',
      '--preset',
      'tabular/classification',
      '--data',
      path.join(dir, 'four.csv'),
      '--base',
      base,
      '--max-steps',
      '1',
    ];
    const withState = await cli([...adapt, '--out', path.join(dir, 'a')]);
    expect(withState.code).toBe(2);
    expect(withState.stderr.trim().split('\n').at(-1)).toBe(
      'peftkit: tabular/standardize: the base was trained on columns [f0, f1, f2, f3, f4, f5], this table has [f0, f1, f2, f3]',
    );
    // A base that lost its preprocessor.json (or came from elsewhere): the architecture config says 6.
    await fs.rm(path.join(base, 'preprocessor.json'));
    const bare = await cli([...adapt, '--out', path.join(dir, 'b')]);
    expect(bare.code).toBe(2);
    expect(bare.stderr.trim().split('\n').at(-1)).toBe(
      `peftkit: base ${base} does not fit this data (tabular/standardize): in_features is 6 in the base, the data needs 4; use a base trained on the same columns/inputs, or no --base`,
    );
  });
});
