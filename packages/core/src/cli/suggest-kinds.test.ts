import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { readSafetensorsHeader } from '../io/safetensors.js';
import type { SuggestRow } from '../plugin/run/suggest-run.js';
import { toyKindsPlugin } from '../plugin/testing/toy-kinds-plugin.js';
import { toyPlugin } from '../plugin/testing/toy-plugin.js';
import { initBackend } from '../runtime/index.js';
import { runToyCli } from './testing/toy-cli.js';

const cli = (argv: string[]) => runToyCli(argv, [toyPlugin, toyKindsPlugin]);

let tmp: string;
beforeAll(async () => {
  process.env['PEFTKIT_BACKEND'] = 'cpu';
  await initBackend();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-suggest-kinds-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

interface SuggestJson {
  budgetParameters: number;
  usedParameters: number;
  modules: SuggestRow[];
  peft: { r: number; targetModules: string[]; rankPattern: Record<string, number> };
}

async function suggest(arch: string, budget: string, extra: string[] = []) {
  const out = path.join(tmp, `${arch.replace('/', '-')}-${budget.replace('%', 'pct')}.yaml`);
  const argv = ['suggest', '--json', '--preset', 'toy/basic', '--set', `model.architecture=${arch}`];
  argv.push('--data', 'toy:256?5', '--batches', '4', '--budget', budget, '--out', out, ...extra);
  const r = await cli(argv);
  expect(r.code, r.stderr).toBe(0);
  return { s: JSON.parse(r.stdout) as SuggestJson, file: out, stderr: r.stderr };
}

/** Trains the suggested config for 2 steps; the adapter's LoRA tensors by name (shape, size). */
async function trainAndRead(file: string, name: string) {
  const runDir = path.join(tmp, name);
  const t = await cli(['train', '--config', file, '--max-steps', '2', '--out', runDir]);
  expect(t.code, t.stderr).toBe(0);
  const header = await readSafetensorsHeader(path.join(runDir, 'adapter_model.safetensors'));
  const lora = new Map(
    header.entries.filter((e) => e.name.includes('.lora_')).map((e) => [e.name, e.shape] as const),
  );
  const config = JSON.parse(await fs.readFile(path.join(runDir, 'adapter_config.json'), 'utf8')) as {
    target_modules: string[];
    rank_pattern: Record<string, number>;
  };
  const size = [...lora.values()].reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
  return { lora, size, config };
}

const P = 'base_model.model.';

describe('peftkit suggest on Embedding and Conv bases', () => {
  it('an embedding through which all the input enters is scored, ranked first and adapted; the config trains into HF lora_embedding keys', async () => {
    // toy/tokens: Embedding(16, 8) = 128 + Linear(8, 8) = 72 base parameters; 30% = 60 fits rank 2
    // on the embedding (2 * (16 + 8) = 48) or on the Linear (2 * 16 = 32), not both.
    const { s, file } = await suggest('toy/tokens', '30%');
    const [top, next] = s.modules;
    expect(top).toMatchObject({
      module: 'body.embed',
      kind: 'Embedding',
      role: 'embed',
      rank: 2,
      params: 48,
    });
    expect(next).toMatchObject({ module: 'body.dense', kind: 'Linear', rank: 0 });
    expect(top!.score).toBeGreaterThan(next!.score);
    expect(s.usedParameters).toBe(48);
    expect(s.peft.targetModules).toEqual(['body.embed']);
    const yaml = parseYaml(await fs.readFile(file, 'utf8')) as { peft: { targetModules: string[] } };
    expect(yaml.peft.targetModules).toEqual(['body.embed']);

    const { lora, size, config } = await trainAndRead(file, 'tokens-run');
    // HF PEFT's names and layout: lora_embedding_A [r, num_embeddings], lora_embedding_B [dim, r].
    expect(Object.fromEntries(lora)).toEqual({
      [`${P}body.embed.lora_embedding_A`]: [2, 16],
      [`${P}body.embed.lora_embedding_B`]: [8, 2],
    });
    expect(size).toBe(s.usedParameters);
    expect(config.target_modules).toEqual(['body.embed']);
  });

  it('a module the LoRA options refuse (loraBias on an Embedding) is scored but gets no rank, and the proposal trains', async () => {
    const { s, file, stderr } = await suggest('toy/tokens', '100%', ['--set', 'peft.loraBias=true']);
    const embed = s.modules.find((m) => m.module === 'body.embed')!;
    expect(embed.score).toBeGreaterThan(0);
    expect(embed.rank).toBe(0);
    expect(stderr).toMatch(
      /1 module\(s\) are scored but get no rank.*body\.embed: LoRA: loraBias is not supported for Embedding/,
    );
    expect(s.peft.targetModules).toEqual(['body.dense']);
    const { lora } = await trainAndRead(file, 'tokens-bias-run');
    expect([...lora.keys()].every((k) => k.startsWith(`${P}body.dense.`))).toBe(true);
  });

  it('a conv-only base (no Linear) gets a proposal with legal ranks for grouped and depthwise convs, and it trains', async () => {
    // A budget above what every conv can use: each gets its largest legal rank.
    const { s, file } = await suggest('toy/convs', '1000');
    const row = (p: string) => s.modules.find((m) => m.module === p)!;
    expect(s.modules.map((m) => [m.module, m.kind, m.role]).sort()).toEqual([
      ['body.depthwise', 'Conv2d', 'conv'],
      ['body.grouped', 'Conv2d', 'conv'],
      ['body.seq', 'Conv1d', 'conv'],
      ['body.stem', 'Conv2d', 'conv'],
    ]);
    expect(s.modules.every((m) => m.score > 0)).toBe(true);
    expect(s.usedParameters).toBeLessThanOrEqual(s.budgetParameters);
    // Per rank: A is in * kernel area, B out / groups.
    const perRank = {
      'body.stem': 9 + 4,
      'body.grouped': 36 + 2,
      'body.depthwise': 36 + 2,
      'body.seq': 16 + 8,
    };
    for (const [p, cost] of Object.entries(perRank)) expect(row(p).params).toBe(row(p).rank * cost);
    // Max rank min(in * kernel area, out); lora_B of a grouped conv has the base's groups, so r
    // is a multiple of them (the depthwise conv, groups 4, can take 4 or 8; the ladder's 2 is out).
    expect(Object.fromEntries(s.modules.map((m) => [m.module, m.rank]))).toEqual({
      'body.stem': 4,
      'body.grouped': 4,
      'body.depthwise': 8,
      'body.seq': 8,
    });
    expect(s.usedParameters).toBe(4 * 13 + 4 * 38 + 8 * 38 + 8 * 24);
    // Under a tight budget the ranks stay multiples of the groups.
    const tight = (await suggest('toy/convs', '50%')).s;
    for (const m of tight.modules) {
      expect(m.rank % ({ 'body.grouped': 2, 'body.depthwise': 4 }[m.module] ?? 1)).toBe(0);
    }
    expect(tight.usedParameters).toBeGreaterThan(0);
    expect(tight.usedParameters).toBeLessThanOrEqual(166);

    const { lora, size, config } = await trainAndRead(file, 'convs-run');
    expect(size).toBe(s.usedParameters);
    expect([...config.target_modules].sort()).toEqual([...s.peft.targetModules].sort());
    // HF layouts: Conv2d OIHW, Conv1d OIK; lora_B is 1x1 with in = r / groups.
    const rank = (p: string) => row(p).rank;
    expect(lora.get(`${P}body.depthwise.lora_A.weight`)).toEqual([rank('body.depthwise'), 4, 3, 3]);
    expect(lora.get(`${P}body.depthwise.lora_B.weight`)).toEqual([8, rank('body.depthwise') / 4, 1, 1]);
    expect(lora.get(`${P}body.grouped.lora_B.weight`)).toEqual([4, rank('body.grouped') / 2, 1, 1]);
    expect(lora.get(`${P}body.seq.lora_A.weight`)).toEqual([rank('body.seq'), 8, 2]);
  });
});
