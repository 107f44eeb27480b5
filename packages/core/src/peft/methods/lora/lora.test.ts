import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensorsHeader } from '../../../io/index.js';
import { setSeed } from '../../../runtime/index.js';
import { valueAndGrads } from '../../../train/index.js';
import { crossEntropy } from '../../../train/losses/index.js';
import { AdamW } from '../../../train/optim/index.js';
import { getPeftModel, PeftModel } from '../../peft-model.js';
import { TinyBert, tinyBertPlacement } from '../../testing/tiny-bert.js';
import '../../index.js';

const ids = () =>
  tf.tensor2d(
    [
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10, 11, 12],
    ],
    [3, 4],
    'int32',
  );
const labels = () => tf.tensor1d([0, 1, 2], 'int32');

function snapshot(m: { stateDict(): Map<string, { value: tf.Tensor }> }): Map<string, Float32Array> {
  return new Map([...m.stateDict()].map(([k, p]) => [k, p.value.dataSync().slice() as Float32Array]));
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
}

async function trainSteps(peft: PeftModel<[tf.Tensor], tf.Tensor>, steps: number): Promise<number[]> {
  const named = peft.namedParameters({ trainableOnly: true });
  const opt = new AdamW([{ params: named, lr: 0.05 }], { weightDecay: 0 });
  const losses: number[] = [];
  const x = ids();
  const y = labels();
  for (let i = 0; i < steps; i++) {
    const { value: loss, grads } = valueAndGrads(named, () => crossEntropy(peft.call(x), y) as tf.Scalar);
    losses.push(loss.dataSync()[0] as number);
    opt.step(grads);
    loss.dispose();
    for (const g of grads.values()) g.dispose();
  }
  opt.dispose();
  tf.dispose([x, y]);
  return losses;
}

let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-lora-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('LoRA on Linear', () => {
  it('a fresh adapter leaves outputs exactly unchanged; training changes only adapter and modulesToSave', async () => {
    setSeed(1);
    const model = new TinyBert();
    const x = ids();
    const before = model.call(x);
    const baseSnap = snapshot(model);
    const peft = getPeftModel(model, {
      peftType: 'LORA',
      r: 2,
      loraAlpha: 4,
      targetModules: ['query', 'value'],
      modulesToSave: ['classifier'],
    });
    const after = peft.call(x);
    expect(Array.from(after.dataSync())).toEqual(Array.from(before.dataSync()));

    const losses = await trainSteps(peft, 15);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] as number);

    // Base weights are bit-identical; adapter B matrices and the classifier copy moved.
    for (const [k, v] of baseSnap) {
      const p = peft.model.stateDict();
      const wrapped = k
        .replace(/\.(query|value)\.(weight|bias)$/, '.$1.base_layer.$2')
        .replace(/^classifier\./, 'classifier.base_layer.');
      const now = p.get(wrapped);
      expect(now, wrapped).toBeDefined();
      expect(Array.from(now!.value.dataSync()), wrapped).toEqual(Array.from(v));
    }
    const b = peft.model.getSubmodule('encoder.layer.0.attention.self.query.lora_B.default');
    expect(tf.tidy(() => tf.sum(tf.abs(b.parameters()[0]!.value)).dataSync()[0])).toBeGreaterThan(0);
    const headCopy = peft.model.getSubmodule('classifier.modules_to_save.default');
    const orig = peft.model.getSubmodule('classifier.base_layer');
    expect(maxAbsDiff(headCopy.parameters()[0]!.value, orig.parameters()[0]!.value)).toBeGreaterThan(0);
    tf.dispose([x, before, after]);
  });

  it('trainable count equals r*(in+out) per adapted Linear plus the saved head', () => {
    setSeed(2);
    const model = new TinyBert();
    const { d, classes, layers } = model.dims;
    const peft = getPeftModel(model, {
      peftType: 'LORA',
      r: 4,
      targetModules: ['query', 'value'],
      modulesToSave: ['classifier'],
    });
    const expected = layers * 2 * 4 * (d + d) + (d * classes + classes);
    const counts = peft.getNbTrainableParameters();
    expect(counts.trainable).toBe(expected);
    expect(counts.trainable).toBe(
      peft.namedParameters({ trainableOnly: true }).reduce((n, [, p]) => n + p.size, 0),
    );
    expect(peft.printTrainableParameters(() => {})).toMatch(
      /^trainable params: [\d,]+ \|\| all params: [\d,]+ \|\| trainable%: \d+\.\d{4}$/,
    );
  });

  it('merge equals unmerged output; unmerge restores base weights (plain LoRA and DoRA)', async () => {
    for (const useDora of [false, true]) {
      setSeed(3);
      const model = new TinyBert();
      const peft = getPeftModel(
        model,
        { peftType: 'LORA', r: 2, useDora, targetRoles: ['attn.q', 'attn.v', 'ffn.up'] },
        { placement: tinyBertPlacement },
      );
      await trainSteps(peft, 5);
      const x = ids();
      const q = peft.model.getSubmodule('encoder.layer.1.attention.self.query.base_layer').parameters()[0]!;
      const w0 = q.value.clone();
      const unmerged = peft.call(x);
      peft.merge(undefined, { safeMerge: true });
      expect(maxAbsDiff(q.value, w0)).toBeGreaterThan(0);
      const merged = peft.call(x);
      expect(maxAbsDiff(merged, unmerged), `dora=${useDora}`).toBeLessThan(1e-5);
      peft.unmerge();
      expect(maxAbsDiff(q.value, w0), `dora=${useDora}`).toBeLessThan(1e-6);
      const plain = peft.mergeAndUnload();
      const fromPlain = plain.call(x);
      expect(maxAbsDiff(fromPlain, unmerged)).toBeLessThan(1e-5);
      expect(plain.hasSubmodule('encoder.layer.0.attention.self.query.lora_A')).toBe(false);
      tf.dispose([x, w0, unmerged, merged, fromPlain]);
    }
  });

  it('save -> load reproduces outputs exactly with HF key names and PyTorch shapes', async () => {
    setSeed(4);
    const model = new TinyBert();
    const peft = getPeftModel(model, {
      peftType: 'LORA',
      r: 2,
      targetModules: ['query', 'value'],
      modulesToSave: ['classifier'],
    });
    await trainSteps(peft, 3);
    const dir = path.join(tmp, 'save-load');
    await peft.savePretrained(dir);
    const header = await readSafetensorsHeader(path.join(dir, 'adapter_model.safetensors'));
    const shapes = Object.fromEntries(header.entries.map((e) => [e.name, e.shape]));
    // Fixture: HF PEFT names (adapter name stripped, base_model.model. prefix) and [r, in] / [out, r] shapes.
    expect(shapes['base_model.model.encoder.layer.0.attention.self.query.lora_A.weight']).toEqual([2, 8]);
    expect(shapes['base_model.model.encoder.layer.0.attention.self.query.lora_B.weight']).toEqual([8, 2]);
    expect(shapes['base_model.model.encoder.layer.1.attention.self.value.lora_A.weight']).toEqual([2, 8]);
    expect(shapes['base_model.model.classifier.weight']).toEqual([3, 8]);
    expect(shapes['base_model.model.classifier.bias']).toEqual([3]);
    expect(Object.keys(shapes)).toHaveLength(4 * 2 + 2);
    const cfg = JSON.parse(await fs.readFile(path.join(dir, 'adapter_config.json'), 'utf8'));
    expect(cfg).toMatchObject({
      peft_type: 'LORA',
      r: 2,
      lora_alpha: 8,
      target_modules: ['query', 'value'],
      modules_to_save: ['classifier'],
      bias: 'none',
    });

    const x = ids();
    const want = peft.call(x);
    setSeed(99);
    const loaded = await PeftModel.fromPretrained(new TinyBert(), dir);
    // A fresh base with other weights: copy the original base in to compare outputs exactly.
    const fresh = new TinyBert();
    setSeed(4);
    const sameBase = new TinyBert();
    const reloaded = await PeftModel.fromPretrained(sameBase, dir);
    const got = reloaded.call(x);
    expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
    expect(reloaded.getNbTrainableParameters().trainable).toBe(0);
    tf.dispose([x, want, got]);
    loaded.dispose();
    fresh.dispose();
  });

  it('two adapters: per-example routing equals running each alone; __base__ equals disabled', async () => {
    setSeed(5);
    const model = new TinyBert();
    const peft = getPeftModel(
      model,
      { peftType: 'LORA', r: 2, targetModules: ['query', 'value'] },
      { adapterName: 'a' },
    );
    await trainSteps(peft, 4);
    peft.addAdapter('b', { peftType: 'LORA', r: 3, targetModules: ['query', 'value'] });
    peft.setAdapter('b');
    await trainSteps(peft, 4);
    const x = ids();
    const routed = peft.callWithAdapterNames(['a', 'b', '__base__'], x);
    peft.setAdapter('a');
    const ya = peft.call(x);
    peft.setAdapter('b');
    const yb = peft.call(x);
    const y0 = peft.disableAdapter(() => peft.call(x));
    const rows = (t: tf.Tensor, i: number) => tf.slice(t, [i, 0], [1, -1]);
    expect(maxAbsDiff(rows(routed, 0), rows(ya, 0))).toBeLessThan(1e-6);
    expect(maxAbsDiff(rows(routed, 1), rows(yb, 1))).toBeLessThan(1e-6);
    expect(maxAbsDiff(rows(routed, 2), rows(y0, 2))).toBeLessThan(1e-6);
    expect(maxAbsDiff(ya, yb)).toBeGreaterThan(1e-4);
    // The non-default adapter is saved in a subdirectory named after it.
    const dir = path.join(tmp, 'multi');
    await peft.savePretrained(dir);
    await expect(fs.stat(path.join(dir, 'b', 'adapter_model.safetensors'))).resolves.toBeTruthy();
    await expect(fs.stat(path.join(dir, 'a', 'adapter_config.json'))).resolves.toBeTruthy();
    tf.dispose([x, routed, ya, yb, y0]);
  });

  it('rejects bad input with errors that name the problem', async () => {
    setSeed(6);
    const model = new TinyBert();
    expect(() => getPeftModel(model, { peftType: 'NOPE' })).toThrow(/unknown peft type 'NOPE'.*LORA/);
    expect(() => getPeftModel(new TinyBert(), { peftType: 'LORA', r: 0, targetModules: ['query'] })).toThrow(
      /r: .*>0|r: Too small/i,
    );
    expect(() =>
      getPeftModel(new TinyBert(), { peftType: 'LORA', targetModules: 'encoder\\.nothing\\..*' }),
    ).toThrow(/no module matched.*Closest module names/);
    expect(() => getPeftModel(new TinyBert(), { peftType: 'LORA', targetModules: ['querry'] })).toThrow(
      /query \(Linear/,
    );
    expect(() =>
      getPeftModel(new TinyBert(), { peftType: 'LORA', targetModules: ['attention.output.LayerNorm'] }),
    ).toThrow(
      /cannot wrap 'encoder.layer.0.attention.output.LayerNorm' of type LayerNorm; it wraps: Linear, Embedding, Conv1d, Conv2d/,
    );
    expect(() =>
      getPeftModel(new TinyBert(), { peftType: 'LORA', targetModules: ['query'] }, { adapterName: '../x' }),
    ).toThrow(/invalid adapter name '\.\.\/x'/);
    const warnings: string[] = [];
    getPeftModel(
      new TinyBert(),
      { peftType: 'LORA', targetModules: ['query', 'nonexistent'] },
      { warn: (m) => warnings.push(m) },
    );
    expect(warnings.join('\n')).toMatch(/nonexistent/);

    // An adapter for a different base (other width) fails with a list of mismatches.
    const peft = getPeftModel(new TinyBert(), { peftType: 'LORA', r: 2, targetModules: ['query'] });
    const dir = path.join(tmp, 'other-base');
    await peft.savePretrained(dir);
    const wide = new TinyBert({ vocab: 20, d: 12, ffn: 16, layers: 2, classes: 3 });
    await expect(PeftModel.fromPretrained(wide, dir)).rejects.toThrow(
      /does not fit this model[\s\S]*query\.lora_A\.weight: file has \[2,8\], this model expects \[2,12\]/,
    );
    // Corrupt weights file.
    await fs.writeFile(path.join(dir, 'adapter_model.safetensors'), Buffer.from([1, 2, 3]));
    await expect(PeftModel.fromPretrained(new TinyBert(), dir)).rejects.toThrow(/adapter_model\.safetensors/);
  });
});
