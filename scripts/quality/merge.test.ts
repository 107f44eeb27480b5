import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mergeRunsFiles } from './merge.js';

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'quality-merge-'));
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

async function runsDir(name: string, body: unknown): Promise<string> {
  const dir = path.join(tmp, name);
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'runs.json'), JSON.stringify(body));
  return dir;
}

const run = (method: string, seed: number, macroF1: number) => ({
  dataset: 'd',
  preset: 'p',
  method,
  seed,
  macroF1,
  trainablePercent: method === 'full' ? 100 : 1,
});

describe('mergeRunsFiles', () => {
  it('combines side-by-side outputs: later directories win per dataset/method/seed, skipped runs never replace', async () => {
    const a = await runsDir('a', {
      runs: [run('lora', 42, 0.5), run('full', 42, 0.8)],
      baselines: { d: 0.3 },
    });
    const b = await runsDir('b', {
      runs: [
        run('lora', 42, 0.7),
        run('lora', 43, 0.9),
        { dataset: 'd', method: 'full', seed: 42, skipped: 'time budget' },
      ],
    });
    const out = path.join(tmp, 'out');
    const { runs, rows } = await mergeRunsFiles([a, b], out);
    expect(runs.map((r) => [r.method, r.seed, r.macroF1])).toEqual([
      ['lora', 42, 0.7],
      ['lora', 43, 0.9],
      ['full', 42, 0.8],
    ]);
    const lora = rows.find((r) => r.method === 'lora')!;
    expect(lora.macroF1).toBeCloseTo(0.8, 12);
    expect(lora.ratioToFull).toBeCloseTo(1, 12);
    expect(lora.seeds).toBe(2);
    const written = JSON.parse(await fs.readFile(path.join(out, 'runs.json'), 'utf8'));
    expect(written.runs).toHaveLength(3);
    expect(written.baselines).toEqual({ d: 0.3 });
  });

  it('names the file it cannot read', async () => {
    await expect(mergeRunsFiles([path.join(tmp, 'missing')], path.join(tmp, 'o2'))).rejects.toThrow(
      /--merge: cannot read .*missing.runs\.json \(ENOENT\)/,
    );
  });
});
