import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  checkPlacement,
  type Embedding,
  getPeftModel,
  loadTorchStateDict,
  type PeftConfigInput,
  rootPlacement,
  setSeed,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paddedBatch, saveAndReload, writeHfCheckpoint } from '../../testing/hf-checkpoint.js';
import {
  add,
  attention,
  geluErf,
  layerNorm,
  linearTorch,
  type Matrix,
  mapM,
  matmul,
  maxAbsDiff,
  seededMatrix,
  transpose,
} from '../../testing/reference-math.js';
import { distilBertPlacementDefaults } from '../placement-defaults.js';
import { DistilBertMaskedLmModel } from '../task/distilbert-masked-lm.js';
import { SequenceClassificationModel } from '../task/sequence-classification.js';
import { distilBertArchitecture } from './architecture.js';
import { loadDistilBertCheckpoint } from './checkpoint.js';
import { distilBertConfig } from './config.js';
import { DistilBertModel } from './model.js';
import { distilBertPlacement } from './placement.js';

const TINY = distilBertConfig({
  vocab_size: 12,
  dim: 8,
  n_layers: 1,
  n_heads: 2,
  hidden_dim: 16,
  max_position_embeddings: 16,
  dropout: 0,
  attention_dropout: 0,
  seq_classif_dropout: 0,
});
const EPS = 1e-12;

let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-distilbert-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/**
 * Every weight of a one-layer tiny `DistilBertForMaskedLM`-plus-classifier in PyTorch layout
 * (Linear `[out, in]`), seeded: the base (unprefixed) and the heads (`pre_classifier`,
 * `classifier`, `vocab_*`).
 */
function torchWeights(): { base: Record<string, Matrix>; head: Record<string, Matrix> } {
  const D = 8;
  const F = 16;
  let seed = 1;
  const m = (r: number, c: number) => seededMatrix(r, c, seed++);
  const vec = (n: number) => m(1, n);
  const gain = (n: number) => mapM(vec(n), (v) => 1 + v * 0.2);
  const p = 'transformer.layer.0.';
  const base: Record<string, Matrix> = {
    'embeddings.word_embeddings.weight': m(12, D),
    'embeddings.position_embeddings.weight': m(16, D),
    'embeddings.LayerNorm.weight': gain(D),
    'embeddings.LayerNorm.bias': vec(D),
  };
  for (const lin of ['q_lin', 'k_lin', 'v_lin', 'out_lin']) {
    base[`${p}attention.${lin}.weight`] = m(D, D);
    base[`${p}attention.${lin}.bias`] = vec(D);
  }
  Object.assign(base, {
    [`${p}sa_layer_norm.weight`]: gain(D),
    [`${p}sa_layer_norm.bias`]: vec(D),
    [`${p}ffn.lin1.weight`]: m(F, D),
    [`${p}ffn.lin1.bias`]: vec(F),
    [`${p}ffn.lin2.weight`]: m(D, F),
    [`${p}ffn.lin2.bias`]: vec(D),
    [`${p}output_layer_norm.weight`]: gain(D),
    [`${p}output_layer_norm.bias`]: vec(D),
  });
  const head = {
    'pre_classifier.weight': m(D, D),
    'pre_classifier.bias': vec(D),
    'classifier.weight': m(3, D),
    'classifier.bias': vec(3),
    'vocab_transform.weight': m(D, D),
    'vocab_transform.bias': vec(D),
    'vocab_layer_norm.weight': gain(D),
    'vocab_layer_norm.bias': vec(D),
    'vocab_projector.bias': vec(12),
  };
  return { base, head };
}

/** DistilBERT's forward for one sequence, computed directly in float64 from the PyTorch-layout weights. */
function referenceDistilBert(w: Record<string, Matrix>, ids: number[], mask: number[]) {
  const g = (k: string) => w[k] as Matrix;
  const v = (k: string) => g(k)[0] as number[];
  const lin = (x: Matrix, name: string) => linearTorch(x, g(`${name}.weight`), v(`${name}.bias`));
  const ln = (x: Matrix, name: string) => layerNorm(x, v(`${name}.weight`), v(`${name}.bias`), EPS);
  const emb = ids.map((id, t) =>
    (g('embeddings.word_embeddings.weight')[id] as number[]).map(
      (x, j) => x + ((g('embeddings.position_embeddings.weight')[t] as number[])[j] as number),
    ),
  );
  const h0 = ln(emb, 'embeddings.LayerNorm');
  const p = 'transformer.layer.0.';
  const ctx = attention(
    lin(h0, `${p}attention.q_lin`),
    lin(h0, `${p}attention.k_lin`),
    lin(h0, `${p}attention.v_lin`),
    2,
    (_i, j) => mask[j] === 1,
  );
  const a = ln(add(lin(ctx, `${p}attention.out_lin`), h0), `${p}sa_layer_norm`);
  const f = lin(mapM(lin(a, `${p}ffn.lin1`), geluErf), `${p}ffn.lin2`);
  const hidden = ln(add(f, a), `${p}output_layer_norm`);
  const pooled = mapM(lin([hidden[0] as number[]], 'pre_classifier'), (x) => Math.max(0, x));
  const classifierLogits = lin(pooled, 'classifier')[0] as number[];
  const vocab = ln(mapM(lin(hidden, 'vocab_transform'), geluErf), 'vocab_layer_norm');
  const mlmLogits = matmul(vocab, transpose(g('embeddings.word_embeddings.weight'))).map((row) =>
    row.map((x, j) => x + (v('vocab_projector.bias')[j] as number)),
  );
  return { hidden, classifierLogits, mlmLogits };
}

/** A tiny DistilBERT checkpoint as HF's `save_pretrained` lays it out (`distilbert.` for task models). */
function writeDistilBertCheckpoint(
  dir: string,
  weights: Record<string, Matrix>,
  prefix: string,
  extra: Record<string, tf.Tensor> = {},
) {
  return writeHfCheckpoint(dir, {
    weights,
    prefix,
    extra,
    config: {
      ...TINY,
      architectures: ['DistilBertForSequenceClassification'],
      tie_weights_: true,
      transformers_version: '4.46.0',
    },
  });
}

/** Loads the head tensors of a task checkpoint into the head modules of `model` (`<headPath>.*`). */
function loadHead(
  model: SequenceClassificationModel | DistilBertMaskedLmModel,
  head: Map<string, tf.Tensor>,
) {
  for (const name of model.headPaths) {
    const own = new Map([...head].filter(([k]) => k.startsWith(`${name}.`)));
    loadTorchStateDict(model.getSubmodule(name), own, { prefix: name });
  }
}

describe('DistilBertModel', () => {
  it('declares a placement whose every path exists', () => {
    const model = new DistilBertModel(distilBertConfig({ ...TINY, n_layers: 2 }));
    expect(checkPlacement(model, distilBertPlacement)).toEqual([]);
    model.dispose();
  });

  it('loads a hand-built HF task checkpoint (distilbert. prefix, PyTorch layout): base, classifier and MLM head match a direct computation to 1e-4', async () => {
    const { base, head } = torchWeights();
    const dir = path.join(tmp, 'hand-built');
    // A task checkpoint: the base under `distilbert.`, the heads at the top, plus HF's buffer.
    const prefixed = Object.fromEntries(Object.entries(base).map(([k, m]) => [`distilbert.${k}`, m]));
    await writeDistilBertCheckpoint(dir, { ...prefixed, ...head }, '', {
      'distilbert.embeddings.position_ids': tf.tensor2d([[0, 1, 2, 3]], [1, 4], 'int32'),
    });
    const loaded = await loadDistilBertCheckpoint(dir);
    expect([...loaded.headTensors.keys()].sort()).toEqual(Object.keys(head).sort());
    const model = loaded.model as DistilBertModel;
    const clf = new SequenceClassificationModel(model, { numLabels: 3 });
    expect(clf.headPaths).toEqual(['pre_classifier', 'classifier']);
    loadHead(clf, loaded.headTensors);
    clf.eval();

    const ids = [2, 5, 7, 11, 0];
    const mask = [1, 1, 1, 1, 0];
    const idsT = tf.tensor2d([ids], [1, 5], 'int32');
    const maskT = tf.tensor2d([mask], [1, 5], 'int32');
    const ref = referenceDistilBert({ ...base, ...head }, ids, mask);
    const hidden = model.call(idsT, { attentionMask: maskT }).lastHiddenState;
    const h = (await hidden.array()) as number[][][];
    expect(maxAbsDiff(h[0] as Matrix, ref.hidden)).toBeLessThan(1e-4);
    const logits = clf.call(idsT, { attentionMask: maskT });
    expect(maxAbsDiff((await logits.array()) as Matrix, [ref.classifierLogits])).toBeLessThan(1e-4);

    // The MLM head on the same base: vocab_projector's weight is the word embedding, its bias its own.
    const mlm = new DistilBertMaskedLmModel(model);
    loadHead(mlm, loaded.headTensors);
    mlm.eval();
    const words = model.getSubmodule('embeddings.word_embeddings') as Embedding;
    expect((mlm.getSubmodule('vocab_projector') as unknown as { weight: unknown }).weight).toBe(words.weight);
    expect([...mlm.stateDict().keys()].filter((k) => k.startsWith('vocab_projector'))).toEqual([
      'vocab_projector.bias',
    ]);
    const vocabLogits = (await mlm.call(idsT, { attentionMask: maskT }).array()) as number[][][];
    expect(maxAbsDiff(vocabLogits[0] as Matrix, ref.mlmLogits)).toBeLessThan(1e-4);

    for (const t of loaded.headTensors.values()) t.dispose();
    tf.dispose([idsT, maskT, hidden, logits]);
    clf.dispose();
    // The base belongs to both task models: dispose only the MLM head's own modules.
    for (const p of mlm.headPaths) mlm.getSubmodule(p).dispose();
  });

  it('saves as HF DistilBertModel (no prefix) and reloads to identical outputs', async () => {
    setSeed(7);
    const model = new DistilBertModel(distilBertConfig({ ...TINY, n_layers: 2 })).eval();
    const saved = await saveAndReload(
      distilBertArchitecture,
      model,
      model.config,
      path.join(tmp, 'roundtrip'),
    );
    expect(saved.written).toMatchObject({
      model_type: 'distilbert',
      architectures: ['DistilBertModel'],
      dim: 8,
    });
    const { ids, mask } = paddedBatch();
    const a = model.call(ids, { attentionMask: mask }).lastHiddenState;
    const b = (saved.back as DistilBertModel).call(ids, { attentionMask: mask }).lastHiddenState;
    expect(await a.data()).toEqual(await b.data());
    tf.dispose([ids, mask, a, b]);
    model.dispose();
    saved.back.dispose();
  });

  it('names a missing or mis-shaped tensor, and refuses another model_type', async () => {
    const { base } = torchWeights();
    const missing = { ...base };
    delete missing['transformer.layer.0.attention.k_lin.bias'];
    await writeDistilBertCheckpoint(path.join(tmp, 'missing'), missing, '');
    await expect(loadDistilBertCheckpoint(path.join(tmp, 'missing'))).rejects.toThrow(
      /missing keys \(1\):\s+transformer\.layer\.0\.attention\.k_lin\.bias/,
    );
    const wrong = { ...base, 'transformer.layer.0.ffn.lin1.weight': seededMatrix(8, 16, 3) };
    await writeDistilBertCheckpoint(path.join(tmp, 'wrong'), wrong, 'distilbert.');
    await expect(loadDistilBertCheckpoint(path.join(tmp, 'wrong'))).rejects.toThrow(
      /distilbert\.transformer\.layer\.0\.ffn\.lin1\.weight: file has \[8,16\], expected PyTorch-layout \[16,8\]/,
    );
    const bert = path.join(tmp, 'bert');
    await writeDistilBertCheckpoint(bert, base, '');
    await fs.writeFile(path.join(bert, 'config.json'), JSON.stringify({ model_type: 'bert' }));
    await expect(loadDistilBertCheckpoint(bert)).rejects.toThrow(
      /model_type is 'bert', expected 'distilbert'/,
    );
  });

  it.each([
    ['LORA', { r: 2 }],
    ['IA3', {}],
    ['BOTTLENECK', {}],
    ['PREFIX_TUNING', { numVirtualTokens: 2 }],
    ['PROMPT_TUNING', { numVirtualTokens: 2 }],
  ])('takes %s at its default placement on a classifier and still runs', (peftType, extra) => {
    setSeed(4);
    const model = new SequenceClassificationModel(new DistilBertModel(TINY), { numLabels: 2 });
    const targetRoles = distilBertPlacementDefaults.defaults?.[peftType]?.targetRoles;
    const placement = rootPlacement(distilBertPlacement, {
      model,
      basePath: 'distilbert',
      headPaths: model.headPaths,
    });
    const peft = getPeftModel(model, { peftType, targetRoles, ...extra } as PeftConfigInput, { placement });
    expect(peft.getNbTrainableParameters().trainable).toBeGreaterThan(0);
    const { ids, mask } = paddedBatch();
    const logits = peft.call(ids, { attentionMask: mask }) as tf.Tensor;
    expect(logits.shape).toEqual([2, 2]);
    expect(logits.dataSync().every(Number.isFinite)).toBe(true);
    tf.dispose([ids, mask, logits]);
    peft.dispose();
  });

  it('with sinusoidal_pos_embds holds HF sine/cosine positions, frozen', () => {
    const model = new DistilBertModel(distilBertConfig({ ...TINY, sinusoidal_pos_embds: true }));
    const pos = model.getSubmodule('embeddings.position_embeddings') as Embedding;
    expect(pos.weight.trainable).toBe(false);
    const table = pos.weight.value.arraySync() as number[][];
    // Row 3: columns 4 and 5 share the frequency 1 / 10000^(4 / 8).
    expect(table[3]?.[4]).toBeCloseTo(Math.sin(3 / 10000 ** 0.5), 6);
    expect(table[3]?.[5]).toBeCloseTo(Math.cos(3 / 10000 ** 0.5), 6);
    expect(table[0]?.[1]).toBeCloseTo(1, 6);
    model.dispose();
  });
});
