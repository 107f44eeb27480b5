import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  checkPlacement,
  getPeftModel,
  loadSafetensors,
  parseModelConfig,
  Rng,
  saveSafetensors,
  setSeed,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vitArchitecture } from '../architectures.js';
import {
  add,
  conv2d,
  gelu,
  layerNorm,
  linear,
  type Mat,
  reshape4,
  selfAttention,
} from '../testing/reference.js';
import { loadViT, loadViTForImageClassification, saveViT } from './checkpoint.js';
import { vitConfigSchema } from './config.js';
import { ViTModel } from './model.js';
import { vitPlacement } from './placement.js';
import { interpolationMatrix } from './position-interpolation.js';

const CFG = {
  image_size: 16,
  patch_size: 8,
  hidden_size: 16,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  intermediate_size: 32,
  num_channels: 3,
};
const HF_JSON = {
  model_type: 'vit',
  image_size: 16,
  patch_size: 8,
  hidden_size: 16,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  intermediate_size: 32,
  num_channels: 3,
  layer_norm_eps: 1e-12,
  architectures: ['ViTForImageClassification'],
  id2label: { '0': 'cat', '1': 'dog', '2': 'fox' },
};

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-vit-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Random PyTorch-layout weights with HF ViTForImageClassification names. */
function hfWeights(rng: Rng): Map<string, number[]> & { shapes: Map<string, number[]> } {
  const d = 16;
  const shapes = new Map<string, number[]>([
    ['vit.embeddings.cls_token', [1, 1, d]],
    ['vit.embeddings.position_embeddings', [1, 5, d]],
    ['vit.embeddings.patch_embeddings.projection.weight', [d, 3, 8, 8]],
    ['vit.embeddings.patch_embeddings.projection.bias', [d]],
    ['vit.layernorm.weight', [d]],
    ['vit.layernorm.bias', [d]],
    ['classifier.weight', [3, d]],
    ['classifier.bias', [3]],
  ]);
  for (let l = 0; l < 2; l++) {
    const p = `vit.encoder.layer.${l}`;
    for (const n of [
      'attention.attention.query',
      'attention.attention.key',
      'attention.attention.value',
      'attention.output.dense',
    ]) {
      shapes.set(`${p}.${n}.weight`, [d, d]);
      shapes.set(`${p}.${n}.bias`, [d]);
    }
    shapes.set(`${p}.intermediate.dense.weight`, [32, d]);
    shapes.set(`${p}.intermediate.dense.bias`, [32]);
    shapes.set(`${p}.output.dense.weight`, [d, 32]);
    shapes.set(`${p}.output.dense.bias`, [d]);
    for (const n of ['layernorm_before', 'layernorm_after']) {
      shapes.set(`${p}.${n}.weight`, [d]);
      shapes.set(`${p}.${n}.bias`, [d]);
    }
  }
  const values = new Map<string, number[]>() as Map<string, number[]> & { shapes: Map<string, number[]> };
  for (const [k, s] of shapes) {
    const n = s.reduce((a, b) => a * b, 1);
    const ln = k.includes('layernorm') && k.endsWith('weight');
    values.set(
      k,
      Array.from({ length: n }, () => (ln ? 1 : 0) + rng.normal(0, k.includes('patch') ? 0.05 : 0.2)),
    );
  }
  values.shapes = shapes;
  return values;
}

/** HF ViTForImageClassification in plain numbers: returns [features [d], logits]. */
function referenceForward(
  w: Map<string, number[]>,
  pixels: number[][][],
): { features: number[]; logits: number[] } {
  const d = 16;
  const m = (k: string, rows: number): Mat => {
    const v = w.get(k)!;
    const cols = v.length / rows;
    return Array.from({ length: rows }, (_, r) => v.slice(r * cols, (r + 1) * cols));
  };
  const vec = (k: string) => w.get(k)!;
  const proj = conv2d(
    pixels,
    reshape4(vec('vit.embeddings.patch_embeddings.projection.weight'), [d, 3, 8, 8]),
    vec('vit.embeddings.patch_embeddings.projection.bias'),
    8,
    0,
  );
  let x: Mat = [vec('vit.embeddings.cls_token'), ...proj.flat()];
  x = add(x, m('vit.embeddings.position_embeddings', 5));
  for (let l = 0; l < 2; l++) {
    const p = `vit.encoder.layer.${l}`;
    const h1 = layerNorm(x, vec(`${p}.layernorm_before.weight`), vec(`${p}.layernorm_before.bias`), 1e-12);
    const q = linear(
      h1,
      m(`${p}.attention.attention.query.weight`, d),
      vec(`${p}.attention.attention.query.bias`),
    );
    const k = linear(
      h1,
      m(`${p}.attention.attention.key.weight`, d),
      vec(`${p}.attention.attention.key.bias`),
    );
    const v = linear(
      h1,
      m(`${p}.attention.attention.value.weight`, d),
      vec(`${p}.attention.attention.value.bias`),
    );
    const ctx = selfAttention(h1, 2, q, k, v);
    x = add(
      x,
      linear(ctx, m(`${p}.attention.output.dense.weight`, d), vec(`${p}.attention.output.dense.bias`)),
    );
    const h2 = layerNorm(x, vec(`${p}.layernorm_after.weight`), vec(`${p}.layernorm_after.bias`), 1e-12);
    const up = linear(h2, m(`${p}.intermediate.dense.weight`, 32), vec(`${p}.intermediate.dense.bias`)).map(
      (r) => r.map(gelu),
    );
    x = add(x, linear(up, m(`${p}.output.dense.weight`, d), vec(`${p}.output.dense.bias`)));
  }
  const features = layerNorm(x, vec('vit.layernorm.weight'), vec('vit.layernorm.bias'), 1e-12)[0]!;
  const logits = linear([features], m('classifier.weight', 3), vec('classifier.bias'))[0]!;
  return { features, logits };
}

async function writeCheckpoint(
  name: string,
  w: ReturnType<typeof hfWeights>,
  strip: boolean,
): Promise<string> {
  const out = path.join(dir, name);
  await fs.mkdir(out, { recursive: true });
  const tensors = new Map<string, tf.Tensor>();
  for (const [k, v] of w) {
    if (strip && !k.startsWith('vit.')) continue;
    tensors.set(strip ? k.slice(4) : k, tf.tensor(v, w.shapes.get(k)));
  }
  if (strip) tensors.set('pooler.dense.weight', tf.zeros([16, 16]));
  await saveSafetensors(path.join(out, 'model.safetensors'), tensors, { format: 'pt' });
  for (const t of tensors.values()) t.dispose();
  await fs.writeFile(path.join(out, 'config.json'), JSON.stringify(HF_JSON));
  return out;
}

describe('ViT', () => {
  const rng = new Rng(7);
  const weights = hfWeights(rng);
  const pixels = Array.from({ length: 16 }, () =>
    Array.from({ length: 16 }, () => [0, 1, 2].map(() => rng.normal())),
  );
  const input = () => tf.tensor4d(pixels.flat(2), [1, 16, 16, 3]);

  it('loads a HF ViTForImageClassification checkpoint and matches a reference forward to 1e-4', async () => {
    const dirC = await writeCheckpoint('clf', weights, false);
    const { model, labels } = await loadViTForImageClassification(dirC);
    expect(labels).toEqual(['cat', 'dog', 'fox']);
    const ref = referenceForward(weights, pixels);
    const x = input();
    const logits = model.call(x);
    Array.from(logits.dataSync()).forEach((v, i) => {
      expect(Math.abs(v - (ref.logits[i] as number))).toBeLessThan(1e-4);
    });
    // The backbone alone from the same file (classifier ignored) gives the reference features.
    const { model: vit, ignored } = await loadViT(dirC);
    expect(ignored.sort()).toEqual(['classifier.bias', 'classifier.weight']);
    const f = vit.call(x);
    Array.from(f.dataSync()).forEach((v, i) => {
      expect(Math.abs(v - (ref.features[i] as number))).toBeLessThan(1e-4);
    });
    tf.dispose([x, logits, f]);
    model.dispose();
    vit.dispose();
  });

  it('loads a ViTModel checkpoint (pooler ignored), round-trips save/load, checks its placement', async () => {
    const dirM = await writeCheckpoint('base', weights, true);
    const { model, ignored } = await loadViT(dirM);
    expect(ignored).toEqual(['pooler.dense.weight']);
    expect(checkPlacement(model, vitPlacement())).toEqual([]);
    await saveViT(path.join(dir, 'again'), model);
    const again = await loadViT(path.join(dir, 'again'));
    const x = input();
    const [a, b] = [model.call(x), again.model.call(x)];
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    const json = JSON.parse(await fs.readFile(path.join(dir, 'again', 'config.json'), 'utf8'));
    expect([json.model_type, json.hidden_size, json.qkv_bias]).toEqual(['vit', 16, true]);
    tf.dispose([x, a, b]);
    model.dispose();
    again.model.dispose();
  });

  it('reports missing and mis-shaped keys by name', async () => {
    const broken = hfWeights(new Rng(1));
    broken.delete('vit.encoder.layer.1.output.dense.bias');
    broken.shapes.set('vit.layernorm.weight', [4, 4]);
    const dirB = await writeCheckpoint('broken', broken, false);
    await expect(loadViT(dirB)).rejects.toThrow(
      /encoder\.layer\.1\.output\.dense\.bias[\s\S]*|layernorm\.weight/,
    );
    await expect(loadViT(dirB)).rejects.toThrow('vit.layernorm.weight: file has [4,4]');
  });

  it('interpolates position embeddings for other image sizes', () => {
    const lin = interpolationMatrix(2, 4, 'bilinear');
    expect(Array.from(lin)).toEqual([1, 0, 0.75, 0.25, 0.25, 0.75, 0, 1]);
    for (const mode of ['bicubic', 'bilinear'] as const) {
      expect(Array.from(interpolationMatrix(3, 3, mode))).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
      const m = interpolationMatrix(3, 7, mode);
      for (let r = 0; r < 7; r++)
        expect(m.slice(r * 3, r * 3 + 3).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    }
    setSeed(3);
    const vit = new ViTModel(CFG);
    const y = vit.call(tf.zeros([2, 24, 32, 3]));
    expect(y.shape).toEqual([2, 16]);
    expect(() => vit.call(tf.zeros([1, 20, 16, 3]))).toThrow('not a multiple of the patch size 8');
    y.dispose();
    vit.dispose();
  });

  it('takes LoRA on attn.q/attn.v with HF keys, and prefix tuning on the attention role', async () => {
    setSeed(4);
    const vit = new ViTModel(CFG);
    const peft = getPeftModel(
      vit,
      { peftType: 'LORA', r: 2, targetRoles: ['attn.q', 'attn.v'] },
      { placement: vitPlacement() },
    );
    const out = path.join(dir, 'lora');
    await peft.savePretrained(out);
    const { tensors } = await loadSafetensors(path.join(out, 'adapter_model.safetensors'));
    const keys = [...tensors.keys()].sort();
    expect(keys).toHaveLength(8);
    expect(keys).toContain('base_model.model.encoder.layer.0.attention.attention.query.lora_A.weight');
    expect(keys).toContain('base_model.model.encoder.layer.1.attention.attention.value.lora_B.weight');
    expect(
      tensors.get('base_model.model.encoder.layer.0.attention.attention.query.lora_A.weight')?.shape,
    ).toEqual([2, 16]);
    for (const t of tensors.values()) t.dispose();
    peft.dispose();

    const vit2 = new ViTModel(CFG);
    const x = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 101);
    const before = vit2.call(x);
    const prefix = getPeftModel(
      vit2,
      { peftType: 'PREFIX_TUNING', numVirtualTokens: 3 },
      { placement: vitPlacement() },
    );
    const after = prefix.call(x) as tf.Tensor;
    expect(after.shape).toEqual([2, 16]);
    expect(tf.max(tf.abs(tf.sub(after, before))).dataSync()[0]).toBeGreaterThan(1e-4);
    tf.dispose([x, before, after]);
    prefix.dispose();
  });

  it('takes HF ViTConfig names in model.config; camelCase keys are refused naming the HF key', () => {
    expect(parseModelConfig(vitArchitecture, CFG)).toMatchObject({ model_type: 'vit', hidden_size: 16 });
    expect(() =>
      parseModelConfig(vitArchitecture, { hiddenSize: 16, patch_size: 8, image_size: 16 }),
    ).toThrow("model.config.hiddenSize is not a known field (did you mean 'hidden_size'?)");
  });

  it('validates its config', () => {
    expect(() => vitConfigSchema.parse({ ...CFG, num_attention_heads: 3 })).toThrow(
      'must divide hidden_size',
    );
    expect(() => vitConfigSchema.parse({ ...CFG, patch_size: 5 })).toThrow('must divide image_size');
  });
});
