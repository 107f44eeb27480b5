import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkPlacement, getPeftModel, readSafetensorsHeader, saveSafetensors, setSeed } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  add,
  addRow,
  attention,
  cols,
  geluTanh,
  layerNorm,
  type Matrix,
  mapM,
  matmul,
  seededMatrix,
} from '../../testing/reference-math.js';
import { gpt2Architecture } from './architecture.js';
import { loadGpt2Checkpoint } from './checkpoint.js';
import { gpt2Config } from './config.js';
import { disposeKvCache } from './kv-cache.js';
import { Gpt2Model } from './model.js';
import { gpt2Placement } from './placement.js';

const TINY = gpt2Config({
  vocab_size: 20,
  n_positions: 16,
  n_embd: 8,
  n_layer: 1,
  n_head: 2,
  resid_pdrop: 0,
  embd_pdrop: 0,
  attn_pdrop: 0,
});

let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-gpt2-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** A one-layer tiny GPT-2 as the hub stores it: Conv1D weights `[in, out]`, no prefix. */
function hubWeights(): Record<string, Matrix> {
  const E = 8;
  let seed = 11;
  const m = (r: number, c: number) => seededMatrix(r, c, seed++);
  const vec = (n: number) => m(1, n);
  const gamma = (n: number) => mapM(vec(n), (v) => 1 + 0.2 * v);
  return {
    'wte.weight': m(20, E),
    'wpe.weight': m(16, E),
    'h.0.ln_1.weight': gamma(E),
    'h.0.ln_1.bias': vec(E),
    'h.0.attn.c_attn.weight': m(E, 3 * E),
    'h.0.attn.c_attn.bias': vec(3 * E),
    'h.0.attn.c_proj.weight': m(E, E),
    'h.0.attn.c_proj.bias': vec(E),
    'h.0.ln_2.weight': gamma(E),
    'h.0.ln_2.bias': vec(E),
    'h.0.mlp.c_fc.weight': m(E, 4 * E),
    'h.0.mlp.c_fc.bias': vec(4 * E),
    'h.0.mlp.c_proj.weight': m(4 * E, E),
    'h.0.mlp.c_proj.bias': vec(E),
    'ln_f.weight': gamma(E),
    'ln_f.bias': vec(E),
  };
}

function referenceGpt2(w: Record<string, Matrix>, ids: number[]): Matrix {
  const g = (k: string) => w[k] as Matrix;
  const v = (k: string) => g(k)[0] as number[];
  const conv = (x: Matrix, name: string) => addRow(matmul(x, g(`${name}.weight`)), v(`${name}.bias`));
  const eps = 1e-5;
  const h0 = ids.map((id, t) =>
    (g('wte.weight')[id] as number[]).map((x, j) => x + ((g('wpe.weight')[t] as number[])[j] as number)),
  );
  const qkv = conv(layerNorm(h0, v('h.0.ln_1.weight'), v('h.0.ln_1.bias'), eps), 'h.0.attn.c_attn');
  const ctx = attention(cols(qkv, 0, 8), cols(qkv, 8, 16), cols(qkv, 16, 24), 2, (i, j) => j <= i);
  const h1 = add(h0, conv(ctx, 'h.0.attn.c_proj'));
  const m = conv(
    mapM(conv(layerNorm(h1, v('h.0.ln_2.weight'), v('h.0.ln_2.bias'), eps), 'h.0.mlp.c_fc'), geluTanh),
    'h.0.mlp.c_proj',
  );
  return layerNorm(add(h1, m), v('ln_f.weight'), v('ln_f.bias'), eps);
}

async function writeHub(dir: string, weights: Record<string, Matrix>, extra: Record<string, tf.Tensor> = {}) {
  await fs.mkdir(dir, { recursive: true });
  const tensors = new Map<string, tf.Tensor>();
  for (const [k, m] of Object.entries(weights)) {
    tensors.set(k, k.endsWith('.bias') || k.includes('ln_') ? tf.tensor1d(m[0] as number[]) : tf.tensor2d(m));
  }
  for (const [k, t] of Object.entries(extra)) tensors.set(k, t);
  await saveSafetensors(path.join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  tf.dispose([...tensors.values()]);
  await fs.writeFile(
    path.join(dir, 'config.json'),
    JSON.stringify({ ...TINY, architectures: ['GPT2LMHeadModel'] }),
  );
}

describe('Gpt2Model', () => {
  it('declares a placement whose every path exists', () => {
    const model = new Gpt2Model(gpt2Config({ ...TINY, n_layer: 2 }));
    expect(checkPlacement(model, gpt2Placement)).toEqual([]);
    model.dispose();
  });

  it('loads the hub layout (Conv1D [in, out], attn.bias buffers) and matches a direct computation to 1e-4', async () => {
    const weights = hubWeights();
    const dir = path.join(tmp, 'hub');
    await writeHub(dir, weights, {
      'h.0.attn.bias': tf.ones([1, 1, 16, 16]),
      'h.0.attn.masked_bias': tf.scalar(-1e4),
    });
    const { model, headTensors } = await loadGpt2Checkpoint(dir);
    expect(headTensors.size).toBe(0);
    model.eval();
    const ids = [3, 1, 4, 1, 5, 9];
    const out = (model as Gpt2Model).call(tf.tensor2d([ids], [1, 6], 'int32'));
    const got = (await out.lastHiddenState.array()) as number[][][];
    const ref = referenceGpt2(weights, ids);
    const diff = Math.max(
      ...ref.flatMap((row, i) => row.map((x, j) => Math.abs(x - ((got[0] as Matrix)[i] as number[])[j]!))),
    );
    expect(diff).toBeLessThan(1e-4);
    out.lastHiddenState.dispose();
    model.dispose();
  });

  it('reloads what it saves to identical outputs; a missing tensor is named', async () => {
    setSeed(5);
    const model = new Gpt2Model(gpt2Config({ ...TINY, n_layer: 2 })).eval();
    const dir = path.join(tmp, 'roundtrip');
    await gpt2Architecture.saveCheckpoint(dir, model, model.config);
    const { model: back } = await gpt2Architecture.loadCheckpoint(dir);
    const ids = tf.tensor2d([[1, 2, 3]], [1, 3], 'int32');
    const a = model.call(ids).lastHiddenState;
    const b = (back.eval() as Gpt2Model).call(ids).lastHiddenState;
    expect(await a.data()).toEqual(await b.data());
    tf.dispose([ids, a, b]);
    back.dispose();
    model.dispose();
    const partial = hubWeights();
    delete partial['h.0.mlp.c_fc.bias'];
    await writeHub(path.join(tmp, 'partial'), partial);
    await expect(loadGpt2Checkpoint(path.join(tmp, 'partial'))).rejects.toThrow(
      /missing keys \(1\):\s+h\.0\.mlp\.c_fc\.bias/,
    );
  });

  it('generates incrementally with the KV cache exactly as a full forward', () => {
    setSeed(9);
    const model = new Gpt2Model(gpt2Config({ ...TINY, n_layer: 2 })).eval();
    const full = model.call(tf.tensor2d([[4, 7, 2, 9]], [1, 4], 'int32')).lastHiddenState;
    const first = model.call(tf.tensor2d([[4, 7, 2]], [1, 3], 'int32'), { useCache: true });
    const step = model.call(tf.tensor2d([[9]], [1, 1], 'int32'), { cache: first.cache });
    const last = tf.slice(full, [0, 3, 0], [1, 1, 8]);
    expect(tf.max(tf.abs(tf.sub(last, step.lastHiddenState))).dataSync()[0]).toBeLessThan(1e-5);
    expect(step.cache?.keys[0]?.shape).toEqual([1, 2, 4, 4]);
    disposeKvCache(first.cache);
    disposeKvCache(step.cache);
    tf.dispose([full, first.lastHiddenState, step.lastHiddenState, last]);
    model.dispose();
  });

  it('takes LoRA on the fused attn.qkv (Conv1D) with HF keys and shapes; merge keeps outputs', async () => {
    setSeed(2);
    const model = new Gpt2Model(gpt2Config({ ...TINY, n_layer: 2 })).eval();
    const peft = getPeftModel(
      model,
      { peftType: 'LORA', r: 2, targetRoles: ['attn.qkv'], fanInFanOut: true },
      {
        placement: gpt2Placement,
      },
    );
    const wrapped = [...peft.model.namedModules()]
      .filter(([, m]) => m.typeName === 'LoraLinear')
      .map(([p]) => p);
    expect(wrapped).toEqual(['h.0.attn.c_attn', 'h.1.attn.c_attn']);
    // Give B non-zero values so the adapter changes the output.
    for (const [name, p] of peft.namedParameters({ trainableOnly: true })) {
      if (name.includes('lora_B')) p.assign(tf.randomNormal(p.shape, 0, 0.5, 'float32', 3));
    }
    peft.eval();
    const ids = tf.tensor2d([[1, 5, 3]], [1, 3], 'int32');
    const before = (peft.call(ids) as { lastHiddenState: tf.Tensor }).lastHiddenState;
    peft.merge();
    const merged = (peft.call(ids) as { lastHiddenState: tf.Tensor }).lastHiddenState;
    expect(tf.max(tf.abs(tf.sub(before, merged))).dataSync()[0]).toBeLessThan(1e-5);
    peft.unmerge();
    const dir = path.join(tmp, 'gpt2-adapter');
    await peft.savePretrained(dir);
    const header = await readSafetensorsHeader(path.join(dir, 'adapter_model.safetensors'));
    const shapes = new Map(header.entries.map((e) => [e.name, e.shape]));
    expect(shapes.get('base_model.model.h.0.attn.c_attn.lora_A.weight')).toEqual([2, 8]);
    expect(shapes.get('base_model.model.h.0.attn.c_attn.lora_B.weight')).toEqual([24, 2]);
    const config = JSON.parse(await fs.readFile(path.join(dir, 'adapter_config.json'), 'utf8'));
    expect(config.fan_in_fan_out).toBe(true);
    tf.dispose([ids, before, merged]);
    peft.dispose();
  });
});
