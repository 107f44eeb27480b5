import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSafetensors } from '../../io/safetensors.js';
import { saveSafetensors } from '../../io/safetensors-writer.js';
import { disposeAll, toTorchStateDict } from '../../io/torch-state-dict.js';
import { Linear } from '../../nn/linear.js';
import { Module } from '../../nn/module.js';
import type { HeadedModel } from '../head.js';
import { createPeftkit } from '../peftkit-host.js';
import { resolveRunConfig } from '../run-config/resolve.js';
import { toyPlugin } from '../testing/toy-plugin.js';
import { reuseBaseHeadWeights } from './head-weights.js';
import { prepareRun } from './prepare-run.js';
import { trainRun } from './train-run.js';

/** A base (`body`) with a classifier (`score`), laid out as a Hugging Face task model. */
class Classified extends Module<[tf.Tensor], tf.Tensor> {
  constructor(classes: number) {
    super();
    this.registerModule('body', new Linear(3, 4));
    this.registerModule('score', new Linear(4, classes));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return this.child('score').forward(this.child('body').forward(x));
  }
}

const headed = (classes: number): HeadedModel => ({
  model: new Classified(classes),
  basePath: 'body',
  headPaths: ['score'],
});

async function values(m: HeadedModel): Promise<number[][]> {
  return Promise.all(
    [...m.model.getSubmodule('score').stateDict().values()].map(async (p) => [...(await p.value.data())]),
  );
}

/** Writes `m` as a checkpoint dir: `config.json` (with `id2label` when given) and weight files. */
async function writeCheckpoint(
  dir: string,
  m: HeadedModel,
  o: { id2label?: Record<string, string>; sharded?: boolean } = {},
): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const all = toTorchStateDict(m.model);
  try {
    if (o.sharded) {
      const body = new Map([...all].filter(([k]) => k.startsWith('body.')));
      const head = new Map([...all].filter(([k]) => k.startsWith('score.')));
      await saveSafetensors(path.join(dir, 'model-00001-of-00002.safetensors'), body, { format: 'pt' });
      await saveSafetensors(path.join(dir, 'model-00002-of-00002.safetensors'), head, { format: 'pt' });
      const weightMap = Object.fromEntries([
        ...[...body.keys()].map((k) => [k, 'model-00001-of-00002.safetensors']),
        ...[...head.keys()].map((k) => [k, 'model-00002-of-00002.safetensors']),
      ]);
      await fs.writeFile(
        path.join(dir, 'model.safetensors.index.json'),
        JSON.stringify({ weight_map: weightMap }),
      );
    } else await saveSafetensors(path.join(dir, 'model.safetensors'), all, { format: 'pt' });
  } finally {
    disposeAll(all);
  }
  await fs.writeFile(
    path.join(dir, 'config.json'),
    JSON.stringify({ model_type: 'toy', ...(o.id2label ? { id2label: o.id2label } : {}) }),
  );
}

let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-head-weights-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('reuseBaseHeadWeights', () => {
  it("loads a Hugging Face task checkpoint's head when names, shapes and id2label match", async () => {
    const source = headed(2);
    const dir = path.join(tmp, 'hf');
    await writeCheckpoint(dir, source, { id2label: { 1: 'pos', 0: 'neg' } });
    const target = headed(2);
    expect(await values(target)).not.toEqual(await values(source));
    const note = await reuseBaseHeadWeights(dir, target, ['neg', 'pos']);
    expect(note).toBe("head score: starting from the base's weights in model.safetensors (same labels)");
    expect(await values(target)).toEqual(await values(source));
  });

  it('reads the head from the shard that holds it', async () => {
    const source = headed(2);
    const dir = path.join(tmp, 'sharded');
    await writeCheckpoint(dir, source, { id2label: { 0: 'neg', 1: 'pos' }, sharded: true });
    const target = headed(2);
    expect(await reuseBaseHeadWeights(dir, target, ['neg', 'pos'])).toContain(
      'model-00002-of-00002.safetensors',
    );
    expect(await values(target)).toEqual(await values(source));
  });

  it('keeps the fresh head and says why: label count, label names, shapes, no head, no label names', async () => {
    const dir = path.join(tmp, 'three');
    await writeCheckpoint(dir, headed(3), { id2label: { 0: 'a', 1: 'b', 2: 'c' } });
    const target = headed(2);
    const before = await values(target);
    expect(await reuseBaseHeadWeights(dir, target, ['neg', 'pos'])).toBe(
      'head score: the base head has 3 labels (a, b, c), the run has 2 (neg, pos): starting a fresh head',
    );
    expect(await reuseBaseHeadWeights(dir, headed(3), ['a', 'c', 'b'])).toBe(
      "head score: the base head's labels (a, b, c) differ from the run's (a, c, b): starting a fresh head",
    );
    // Without labels (a regression-like head) only names and shapes decide.
    expect(await reuseBaseHeadWeights(dir, target, undefined)).toBe(
      "head score: the base head's tensors do not match (score.weight is [3,4] in the base, [2,4] here, score.bias is [3] in the base, [2] here): starting a fresh head",
    );
    expect(await values(target)).toEqual(before);

    const bare = path.join(tmp, 'bare');
    await writeCheckpoint(bare, headed(2));
    expect(await reuseBaseHeadWeights(bare, target, ['neg', 'pos'])).toMatch(
      /the base records no label names \(no labels in peftkit-run.json, no id2label in config.json, no vocab.json\)/,
    );
    const body = path.join(tmp, 'body-only');
    await fs.mkdir(body);
    const weights = new Map([['body.weight', tf.zeros([4, 3])]]);
    await saveSafetensors(path.join(body, 'model.safetensors'), weights, { format: 'pt' });
    disposeAll(weights);
    expect(await reuseBaseHeadWeights(body, target, ['neg', 'pos'])).toBe(
      `head score: the base ${body} has no weights for it: starting a fresh head`,
    );
    expect(await values(target)).toEqual(before);
  });
});

describe('reuseBaseHeadWeights with a token vocabulary', () => {
  it("reads a base's label names from its vocab.json (HF Wav2Vec2ForCTC) when config.json has no id2label", async () => {
    const source = headed(3);
    const dir = path.join(tmp, 'ctc');
    await writeCheckpoint(dir, source);
    await fs.writeFile(path.join(dir, 'vocab.json'), JSON.stringify({ '|': 2, '<pad>': 0, a: 1 }));
    const target = headed(3);
    expect(await reuseBaseHeadWeights(dir, target, ['<pad>', 'a', '|'])).toBe(
      "head score: starting from the base's weights in model.safetensors (same labels)",
    );
    expect(await values(target)).toEqual(await values(source));
    expect(await reuseBaseHeadWeights(dir, headed(3), ['<pad>', '|', 'a'])).toBe(
      "head score: the base head's labels (<pad>, a, |) differ from the run's (<pad>, |, a): starting a fresh head",
    );
    // Ids with a gap are not a label list.
    await fs.writeFile(path.join(dir, 'vocab.json'), JSON.stringify({ '<pad>': 0, a: 1, '|': 3 }));
    expect(await reuseBaseHeadWeights(dir, headed(3), ['<pad>', 'a', '|'])).toMatch(
      /the base records no label names/,
    );
  });
});

describe('runs start from the head of a peftkit base', () => {
  it('an adapter run on a full run with the same labels starts from its head.safetensors', async () => {
    const host = await createPeftkit({ plugins: [toyPlugin] });
    const base = path.join(tmp, 'toy-full');
    const full = resolveRunConfig({
      preset: host.presets.get('toy/basic'),
      layers: [{ name: 'test', value: { peft: 'full' } }],
    }).config;
    await trainRun(host, { config: full, outDir: base, progress: 'none', log: () => {} });

    const lines: string[] = [];
    const adapter = resolveRunConfig({
      preset: host.presets.get('toy/basic'),
      layers: [{ name: 'test', value: { model: { base } } }],
    }).config;
    const prepared = await prepareRun(host, adapter, { readData: true, log: (l) => lines.push(l) });
    expect(lines).toContain(
      "note: head score: starting from the base's weights in head.safetensors (same labels)",
    );
    const { tensors: file } = await loadSafetensors(path.join(base, 'head.safetensors'));
    const built = toTorchStateDict(prepared.built.headed.model.getSubmodule('score'), { prefix: 'score' });
    expect([...built.keys()].sort()).toEqual([...file.keys()].sort());
    for (const [k, t] of built) expect([...(await t.data())]).toEqual([...(await file.get(k)!.data())]);
    disposeAll(file);
    disposeAll(built);
    prepared.built.headed.model.dispose();
  });
});
