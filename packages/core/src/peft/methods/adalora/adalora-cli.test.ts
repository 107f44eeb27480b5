import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToyCli } from '../../../cli/testing/toy-cli.js';

let tmp: string;
beforeAll(async () => {
  process.env['PEFTKIT_BACKEND'] = 'cpu';
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-adalora-cli-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** `peftkit train` of the toy preset with an ADALORA block. */
const trainAdalora = (out: string, peft: string, maxSteps: number) =>
  runToyCli([
    'train',
    '--preset',
    'toy/basic',
    '--set',
    `peft=${peft}`,
    '--out',
    out,
    '--max-steps',
    String(maxSteps),
  ]);

const adapterConfig = async (out: string) =>
  JSON.parse(await fs.readFile(path.join(out, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;

describe('peftkit train with ADALORA', () => {
  it('totalStep defaults to the run length; the run saves rank_pattern and evaluates from its files', async () => {
    const out = path.join(tmp, 'run');
    const peft = '{peftType: ADALORA, initR: 4, targetR: 2, tinit: 1, tfinal: 2, targetRoles: [ffn.up]}';
    const train = await trainAdalora(out, peft, 8);
    expect(train.code, train.stderr).toBe(0);
    const config = await adapterConfig(out);
    expect(config).toMatchObject({ peft_type: 'ADALORA', total_step: 8, init_r: 4, target_r: 2 });
    const pattern = config['rank_pattern'] as Record<string, boolean[]>;
    const kept = Object.values(pattern).map((m) => m.filter(Boolean).length);
    expect(kept.length).toBeGreaterThan(0);
    // The final allocation (global step 6 = 8 - 2) keeps targetR per module on average.
    expect(kept.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(2 * kept.length);
    const evaluated = await runToyCli(['eval', '--json', '--adapter', out, '--data', 'toy:32?9']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
  });

  it('a run stopped during pruning resumes (the allocator restarts; the trainable values are restored)', async () => {
    const out = path.join(tmp, 'resume');
    const peft =
      '{peftType: ADALORA, initR: 4, targetR: 2, tinit: 1, tfinal: 2, totalStep: 8, targetRoles: [ffn.up]}';
    const first = await trainAdalora(out, peft, 4);
    expect(first.code, first.stderr).toBe(0);
    const mid = await adapterConfig(out);
    expect(mid['total_step']).toBe(8);
    const resumed = await runToyCli(['train', '--resume', out, '--max-steps', '8']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const end = await adapterConfig(out);
    const kept = Object.values(end['rank_pattern'] as Record<string, boolean[]>).map(
      (m) => m.filter(Boolean).length,
    );
    expect(kept.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(2 * kept.length);
  });
});
