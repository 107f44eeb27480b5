import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { setSeed } from '../../../runtime/index.js';
import { getPeftModel, PeftModel } from '../../peft-model.js';
import {
  adaptAndExpectUnchanged,
  expectBaseUnchanged,
  expectMergeRoundTrip,
  expectReloadsExactly,
  expectRoutingMatchesEachAlone,
  ids,
  maxAbsDiff,
  readAdapterConfig,
  readAdapterShapes,
  TinyBert,
  tinyBertPlacement,
  trainableSize,
  trainSteps,
  useCpuAndTmpDir,
} from '../../testing/index.js';
import '../../index.js';

const tmp = useCpuAndTmpDir('lora');

describe('LoRA on Linear', () => {
  it('a fresh adapter leaves outputs exactly unchanged; training changes only adapter and modulesToSave', () => {
    setSeed(1);
    const { peft, baseSnap } = adaptAndExpectUnchanged(new TinyBert(), {
      peftType: 'LORA',
      r: 2,
      loraAlpha: 4,
      targetModules: ['query', 'value'],
      modulesToSave: ['classifier'],
    });

    const losses = trainSteps(peft, 15);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] as number);

    // Base weights are bit-identical; adapter B matrices and the classifier copy moved.
    expectBaseUnchanged(peft.model, baseSnap, (k) =>
      k
        .replace(/\.(query|value)\.(weight|bias)$/, '.$1.base_layer.$2')
        .replace(/^classifier\./, 'classifier.base_layer.'),
    );
    const b = peft.model.getSubmodule('encoder.layer.0.attention.self.query.lora_B.default');
    expect(tf.tidy(() => tf.sum(tf.abs(b.parameters()[0]!.value)).dataSync()[0])).toBeGreaterThan(0);
    const headCopy = peft.model.getSubmodule('classifier.modules_to_save.default');
    const orig = peft.model.getSubmodule('classifier.base_layer');
    expect(maxAbsDiff(headCopy.parameters()[0]!.value, orig.parameters()[0]!.value)).toBeGreaterThan(0);
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
    expect(counts.trainable).toBe(trainableSize(peft));
    expect(peft.printTrainableParameters(() => {})).toMatch(
      /^trainable params: [\d,]+ \|\| all params: [\d,]+ \|\| trainable%: \d+\.\d{4}$/,
    );
  });

  it('merge equals unmerged output; unmerge restores base weights (plain LoRA and DoRA)', () => {
    for (const useDora of [false, true]) {
      setSeed(3);
      const model = new TinyBert();
      const peft = getPeftModel(
        model,
        { peftType: 'LORA', r: 2, useDora, targetRoles: ['attn.q', 'attn.v', 'ffn.up'] },
        { placement: tinyBertPlacement },
      );
      trainSteps(peft, 5);
      const x = ids();
      const q = peft.model.getSubmodule('encoder.layer.1.attention.self.query.base_layer').parameters()[0]!;
      const plain = expectMergeRoundTrip(peft, x, q, `dora=${useDora}`);
      expect(plain.hasSubmodule('encoder.layer.0.attention.self.query.lora_A')).toBe(false);
      x.dispose();
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
    trainSteps(peft, 3);
    const dir = tmp('save-load');
    await peft.savePretrained(dir);
    const shapes = await readAdapterShapes(dir);
    // Fixture: HF PEFT names (adapter name stripped, base_model.model. prefix) and [r, in] / [out, r] shapes.
    expect(shapes['base_model.model.encoder.layer.0.attention.self.query.lora_A.weight']).toEqual([2, 8]);
    expect(shapes['base_model.model.encoder.layer.0.attention.self.query.lora_B.weight']).toEqual([8, 2]);
    expect(shapes['base_model.model.encoder.layer.1.attention.self.value.lora_A.weight']).toEqual([2, 8]);
    expect(shapes['base_model.model.classifier.weight']).toEqual([3, 8]);
    expect(shapes['base_model.model.classifier.bias']).toEqual([3]);
    expect(Object.keys(shapes)).toHaveLength(4 * 2 + 2);
    expect(await readAdapterConfig(dir)).toMatchObject({
      peft_type: 'LORA',
      r: 2,
      lora_alpha: 8,
      target_modules: ['query', 'value'],
      modules_to_save: ['classifier'],
      bias: 'none',
    });

    // It loads onto a base with other weights too; outputs are compared on the same base.
    setSeed(99);
    const loaded = await PeftModel.fromPretrained(new TinyBert(), dir);
    loaded.dispose();
    const reloaded = await expectReloadsExactly(peft, dir, 4);
    expect(reloaded.getNbTrainableParameters().trainable).toBe(0);
  });

  it('role-based targets are written as HF-style short names when they select exactly the same modules', async () => {
    setSeed(7);
    const peft = getPeftModel(
      new TinyBert(),
      { peftType: 'LORA', r: 2, targetRoles: ['attn.q', 'attn.v'] },
      { placement: tinyBertPlacement },
    );
    const dir = tmp('roles-short');
    await peft.savePretrained(dir);
    expect((await readAdapterConfig(dir)).target_modules).toEqual(['query', 'value']);
    // One layer only: the short names would also select layer 0, so full paths are kept.
    const one = getPeftModel(
      new TinyBert(),
      { peftType: 'LORA', r: 2, targetRoles: ['attn.q'], layersToTransform: [1] },
      { placement: tinyBertPlacement },
    );
    const dir1 = tmp('roles-full');
    await one.savePretrained(dir1);
    expect((await readAdapterConfig(dir1)).target_modules).toEqual(['encoder.layer.1.attention.self.query']);
  });

  it('two adapters: per-example routing equals running each alone; __base__ equals disabled', async () => {
    setSeed(5);
    const model = new TinyBert();
    const peft = getPeftModel(
      model,
      { peftType: 'LORA', r: 2, targetModules: ['query', 'value'] },
      { adapterName: 'a' },
    );
    trainSteps(peft, 4);
    peft.addAdapter('b', { peftType: 'LORA', r: 3, targetModules: ['query', 'value'] });
    peft.setAdapter('b');
    trainSteps(peft, 4);
    expectRoutingMatchesEachAlone(peft, ['a', 'b', '__base__']);
    // The non-default adapter is saved in a subdirectory named after it.
    const dir = tmp('multi');
    await peft.savePretrained(dir);
    await expect(fs.stat(path.join(dir, 'b', 'adapter_model.safetensors'))).resolves.toBeTruthy();
    await expect(fs.stat(path.join(dir, 'a', 'adapter_config.json'))).resolves.toBeTruthy();
  });

  it('rejects bad input with errors that name the problem', async () => {
    setSeed(6);
    const model = new TinyBert();
    // @ts-expect-error an unknown method on purpose: the run-time check is under test
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
    const dir = tmp('other-base');
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
