import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkPlacement, getPeftModel, readSafetensorsHeader, setSeed } from '@peftkit/core';
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
  maxAbsDiff,
  seededMatrix,
} from '../../testing/reference-math.js';
import { bertArchitecture } from './architecture.js';
import { loadBertCheckpoint } from './checkpoint.js';
import { bertConfig } from './config.js';
import { BertModel } from './model.js';
import { bertPlacement } from './placement.js';

const TINY = bertConfig({
  vocab_size: 12,
  hidden_size: 8,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 16,
  max_position_embeddings: 16,
  hidden_dropout_prob: 0,
  attention_probs_dropout_prob: 0,
});

let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-bert-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** Every weight of a one-layer tiny BERT in PyTorch layout (Linear `[out, in]`), seeded. */
function torchWeights(): Record<string, Matrix> {
  const H = 8;
  const I = 16;
  let seed = 1;
  const m = (r: number, c: number) => seededMatrix(r, c, seed++);
  const vec = (n: number) => m(1, n);
  const ln = (n: number) => [mapM(vec(n), (v) => 1 + v * 0.2), vec(n)];
  const [eg, eb] = ln(H);
  const [ag, ab] = ln(H);
  const [og, ob] = ln(H);
  return {
    'embeddings.word_embeddings.weight': m(12, H),
    'embeddings.position_embeddings.weight': m(16, H),
    'embeddings.token_type_embeddings.weight': m(2, H),
    'embeddings.LayerNorm.weight': eg as Matrix,
    'embeddings.LayerNorm.bias': eb as Matrix,
    'encoder.layer.0.attention.self.query.weight': m(H, H),
    'encoder.layer.0.attention.self.query.bias': vec(H),
    'encoder.layer.0.attention.self.key.weight': m(H, H),
    'encoder.layer.0.attention.self.key.bias': vec(H),
    'encoder.layer.0.attention.self.value.weight': m(H, H),
    'encoder.layer.0.attention.self.value.bias': vec(H),
    'encoder.layer.0.attention.output.dense.weight': m(H, H),
    'encoder.layer.0.attention.output.dense.bias': vec(H),
    'encoder.layer.0.attention.output.LayerNorm.weight': ag as Matrix,
    'encoder.layer.0.attention.output.LayerNorm.bias': ab as Matrix,
    'encoder.layer.0.intermediate.dense.weight': m(I, H),
    'encoder.layer.0.intermediate.dense.bias': vec(I),
    'encoder.layer.0.output.dense.weight': m(H, I),
    'encoder.layer.0.output.dense.bias': vec(H),
    'encoder.layer.0.output.LayerNorm.weight': og as Matrix,
    'encoder.layer.0.output.LayerNorm.bias': ob as Matrix,
    'pooler.dense.weight': m(H, H),
    'pooler.dense.bias': vec(H),
  };
}

/** BERT's forward for one sequence, computed directly in float64 from the PyTorch-layout weights. */
function referenceBert(w: Record<string, Matrix>, ids: number[], types: number[], mask: number[]) {
  const g = (k: string) => w[k] as Matrix;
  const v = (k: string) => g(k)[0] as number[];
  const eps = 1e-12;
  const emb = ids.map((id, t) =>
    (g('embeddings.word_embeddings.weight')[id] as number[]).map(
      (x, j) =>
        x +
        ((g('embeddings.position_embeddings.weight')[t] as number[])[j] as number) +
        ((g('embeddings.token_type_embeddings.weight')[types[t] as number] as number[])[j] as number),
    ),
  );
  const h0 = layerNorm(emb, v('embeddings.LayerNorm.weight'), v('embeddings.LayerNorm.bias'), eps);
  const p = 'encoder.layer.0.';
  const lin = (x: Matrix, name: string) => linearTorch(x, g(`${p}${name}.weight`), v(`${p}${name}.bias`));
  const ctx = attention(
    lin(h0, 'attention.self.query'),
    lin(h0, 'attention.self.key'),
    lin(h0, 'attention.self.value'),
    2,
    (_i, j) => mask[j] === 1,
  );
  const a = layerNorm(
    add(lin(ctx, 'attention.output.dense'), h0),
    v(`${p}attention.output.LayerNorm.weight`),
    v(`${p}attention.output.LayerNorm.bias`),
    eps,
  );
  const inter = mapM(lin(a, 'intermediate.dense'), geluErf);
  const out = layerNorm(
    add(lin(inter, 'output.dense'), a),
    v(`${p}output.LayerNorm.weight`),
    v(`${p}output.LayerNorm.bias`),
    eps,
  );
  const pooled = mapM(
    linearTorch([out[0] as number[]], g('pooler.dense.weight'), v('pooler.dense.bias')),
    Math.tanh,
  );
  return { hidden: out, pooled: pooled[0] as number[] };
}

/** A tiny BERT checkpoint as HF's `BertForSequenceClassification.save_pretrained` lays it out. */
function writeTorchCheckpoint(dir: string, weights: Record<string, Matrix>, prefix: string, extra = {}) {
  return writeHfCheckpoint(dir, {
    weights,
    prefix,
    extra,
    config: { ...TINY, architectures: ['BertForSequenceClassification'], transformers_version: '4.46.0' },
  });
}

describe('BertModel', () => {
  it('declares a placement whose every path exists', () => {
    const model = new BertModel(bertConfig({ ...TINY, num_hidden_layers: 2 }));
    expect(checkPlacement(model, bertPlacement)).toEqual([]);
    model.dispose();
  });

  it('loads a hand-built HF task checkpoint (bert. prefix, PyTorch layout) and matches a direct computation to 1e-4', async () => {
    const weights = torchWeights();
    const dir = path.join(tmp, 'hand-built');
    await writeTorchCheckpoint(dir, weights, 'bert.', {
      'bert.embeddings.position_ids': tf.tensor2d([[0, 1, 2, 3]], [1, 4], 'int32'),
      'classifier.weight': tf.zeros([3, 8]),
      'classifier.bias': tf.zeros([3]),
    });
    const { model, headTensors } = await loadBertCheckpoint(dir);
    expect([...headTensors.keys()].sort()).toEqual(['classifier.bias', 'classifier.weight']);
    for (const t of headTensors.values()) t.dispose();
    model.eval();
    const ids = [2, 5, 7, 11, 0];
    const types = [0, 0, 1, 1, 0];
    const mask = [1, 1, 1, 1, 0];
    const out = (model as BertModel).call(tf.tensor2d([ids], [1, 5], 'int32'), {
      attentionMask: tf.tensor2d([mask], [1, 5], 'int32'),
      tokenTypeIds: tf.tensor2d([types], [1, 5], 'int32'),
    });
    const ref = referenceBert(weights, ids, types, mask);
    const hidden = (await out.lastHiddenState.array()) as number[][][];
    const pooled = (await (out.poolerOutput as tf.Tensor).array()) as number[][];
    expect(maxAbsDiff(hidden[0] as Matrix, ref.hidden)).toBeLessThan(1e-4);
    expect(maxAbsDiff([pooled[0] as number[]], [ref.pooled])).toBeLessThan(1e-4);
    tf.dispose(Object.values(out));
    model.dispose();
  });

  it('saves with saveCheckpoint and reloads to identical outputs (no prefix, HF BertModel layout)', async () => {
    setSeed(7);
    const model = new BertModel(bertConfig({ ...TINY, num_hidden_layers: 2 })).eval();
    const saved = await saveAndReload(bertArchitecture, model, model.config, path.join(tmp, 'roundtrip'));
    expect(saved.written).toMatchObject({ model_type: 'bert', architectures: ['BertModel'], hidden_size: 8 });
    const { ids, mask } = paddedBatch();
    const a = model.call(ids, { attentionMask: mask });
    const b = (saved.back as BertModel).call(ids, { attentionMask: mask });
    expect(await a.lastHiddenState.data()).toEqual(await b.lastHiddenState.data());
    expect(await (a.poolerOutput as tf.Tensor).data()).toEqual(await (b.poolerOutput as tf.Tensor).data());
    tf.dispose([ids, mask, ...Object.values(a), ...Object.values(b)]);
    model.dispose();
    saved.back.dispose();
  });

  it('names a missing or mis-shaped tensor, and refuses another model_type', async () => {
    const weights = torchWeights();
    const missing = { ...weights };
    delete missing['encoder.layer.0.attention.self.key.bias'];
    await writeTorchCheckpoint(path.join(tmp, 'missing'), missing, '');
    await expect(loadBertCheckpoint(path.join(tmp, 'missing'))).rejects.toThrow(
      /missing keys \(1\):\s+encoder\.layer\.0\.attention\.self\.key\.bias/,
    );
    const wrong = { ...weights, 'encoder.layer.0.intermediate.dense.weight': seededMatrix(8, 16, 3) };
    await writeTorchCheckpoint(path.join(tmp, 'wrong'), wrong, 'bert.');
    await expect(loadBertCheckpoint(path.join(tmp, 'wrong'))).rejects.toThrow(
      /bert\.encoder\.layer\.0\.intermediate\.dense\.weight: file has \[8,16\], expected PyTorch-layout \[16,8\]/,
    );
    const gpt = path.join(tmp, 'gpt');
    await writeTorchCheckpoint(gpt, weights, '');
    await fs.writeFile(path.join(gpt, 'config.json'), JSON.stringify({ model_type: 'gpt2' }));
    await expect(loadBertCheckpoint(gpt)).rejects.toThrow(/model_type is 'gpt2', expected 'bert'/);
  });

  it('takes LoRA on attn.q + attn.v at exactly the query/value paths, with HF adapter keys', async () => {
    const model = new BertModel(bertConfig({ ...TINY, num_hidden_layers: 2 }));
    const peft = getPeftModel(
      model,
      { peftType: 'LORA', r: 2, targetRoles: ['attn.q', 'attn.v'] },
      {
        placement: bertPlacement,
      },
    );
    const wrapped = [...peft.model.namedModules()]
      .filter(([, m]) => m.typeName === 'LoraLinear')
      .map(([p]) => p)
      .sort();
    expect(wrapped).toEqual([
      'encoder.layer.0.attention.self.query',
      'encoder.layer.0.attention.self.value',
      'encoder.layer.1.attention.self.query',
      'encoder.layer.1.attention.self.value',
    ]);
    const dir = path.join(tmp, 'adapter');
    await peft.savePretrained(dir);
    const header = await readSafetensorsHeader(path.join(dir, 'adapter_model.safetensors'));
    const keys = header.entries.map((e) => e.name);
    const shapes = new Map(header.entries.map((e) => [e.name, e.shape]));
    expect(shapes.get('base_model.model.encoder.layer.0.attention.self.query.lora_A.weight')).toEqual([2, 8]);
    expect(shapes.get('base_model.model.encoder.layer.0.attention.self.query.lora_B.weight')).toEqual([8, 2]);
    expect(keys).toContain('base_model.model.encoder.layer.1.attention.self.value.lora_B.weight');
    expect(keys).toHaveLength(8);
    peft.dispose();
  });

  it('serves prefix tuning through the attention role', () => {
    setSeed(3);
    const model = new BertModel(TINY).eval();
    const ids = tf.tensor2d([[1, 2, 3]], [1, 3], 'int32');
    const base = model.call(ids).lastHiddenState;
    const peft = getPeftModel(
      model,
      { peftType: 'PREFIX_TUNING', numVirtualTokens: 4 },
      { placement: bertPlacement },
    );
    peft.eval();
    const out = peft.call(ids, { attentionMask: tf.ones([1, 3], 'int32') }) as { lastHiddenState: tf.Tensor };
    expect(out.lastHiddenState.shape).toEqual([1, 3, 8]);
    expect(tf.max(tf.abs(tf.sub(out.lastHiddenState, base))).dataSync()[0]).toBeGreaterThan(1e-4);
    peft.dispose();
  });
});
