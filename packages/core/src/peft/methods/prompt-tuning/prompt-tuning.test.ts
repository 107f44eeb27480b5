import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { Embedding, Linear, Module } from '../../../nn/index.js';
import { setSeed } from '../../../runtime/index.js';
import type { PeftConfigInput } from '../../config-map.js';
import { getPeftModel, PeftModel } from '../../peft-model.js';
import { definePlacement } from '../../placement.js';
import {
  attentionMask,
  expectBaseUnchanged,
  ids,
  maxAbsDiff,
  readAdapterConfig,
  readAdapterShapes,
  sameValues,
  snapshot,
  TinyBert,
  TinyEncoder,
  tinyBertPlacement,
  tinyEncoderPlacement,
  trainableSize,
  trainSteps,
  useCpuAndTmpDir,
} from '../../testing/index.js';
import { promptTuningConfig } from './config.js';
import '../../index.js';

const P = 3;
const tmp = useCpuAndTmpDir('prompt');

describe('prompt tuning', () => {
  it('prepends the prompt to the embedding output; PromptAware extends the mask; disabling restores the base', () => {
    setSeed(1);
    const model = new TinyEncoder();
    const x = ids();
    const m = attentionMask();
    const before = model.call(x, { attentionMask: m });
    const peft = getPeftModel(
      model,
      { peftType: 'PROMPT_TUNING', numVirtualTokens: P },
      { placement: tinyEncoderPlacement },
    );
    const y = peft.call(x, { attentionMask: m });
    expect(maxAbsDiff(y, before)).toBeGreaterThan(1e-3);
    // By hand: [prompt; embed(x)] through the encoder with ones prepended to the mask.
    const prompt = peft.adapterStateDict('default').get('root:prompt_embeddings')!;
    expect(prompt.shape).toEqual([P, 8]);
    const byHand = tf.tidy(() => {
      const h = (peft.model.getSubmodule('embed.base_layer') as Embedding).call(x);
      const hp = tf.concat([tf.broadcastTo(prompt.value.expandDims(0), [3, P, 8]), h], 1);
      const mm = tf.concat([tf.ones([3, P]), tf.cast(m, 'float32')], 1);
      const enc = (peft.model.getSubmodule('encoder') as Module<[tf.Tensor, object], tf.Tensor>).call(hp, {
        attentionMask: mm,
      });
      const pooled = tf.div(tf.sum(tf.mul(enc, mm.expandDims(2)), 1), tf.sum(mm, 1).expandDims(1));
      return (peft.model.getSubmodule('classifier') as Linear).call(pooled);
    });
    expect(maxAbsDiff(y, byHand)).toBeLessThan(1e-6);
    // The extended mask really masks: a padded token's id does not matter.
    const x2 = tf.tensor2d(
      [
        [1, 2, 3, 4],
        [5, 6, 7, 0],
        [9, 10, 15, 14],
      ],
      [3, 4],
      'int32',
    );
    const y2 = peft.call(x2, { attentionMask: m });
    expect(maxAbsDiff(tf.slice(y2, [1, 0], [2, -1]), tf.slice(y, [1, 0], [2, -1]))).toBeLessThan(1e-6);
    const off = peft.disableAdapter(() => peft.call(x, { attentionMask: m }));
    expect(sameValues(off, before)).toBe(true);
    tf.dispose([x, x2, m, before, y, y2, byHand, off]);
  });

  it('trains to lower loss; the base stays bit-identical; trainable count is P * tokenDim (+ saved head)', () => {
    setSeed(2);
    const model = new TinyBert();
    const baseSnap = snapshot(model);
    const peft = getPeftModel(
      model,
      { peftType: 'PROMPT_TUNING', numVirtualTokens: P, modulesToSave: ['classifier'] },
      { placement: tinyBertPlacement },
    );
    const { d, classes } = model.dims;
    const counts = peft.getNbTrainableParameters();
    expect(counts.trainable).toBe(P * d + d * classes + classes);
    expect(counts.trainable).toBe(trainableSize(peft));
    const losses = trainSteps(peft, 15);
    expect(losses[14]).toBeLessThan(losses[0] as number);
    expectBaseUnchanged(peft.model, baseSnap, (k) =>
      k
        .replace(/^embeddings\.word_embeddings\./, 'embeddings.word_embeddings.base_layer.')
        .replace(/^classifier\./, 'classifier.base_layer.'),
    );
  });

  it('save -> load reproduces outputs exactly, with HF keys (prompt_embeddings at the root)', async () => {
    setSeed(3);
    const peft = getPeftModel(
      new TinyBert(),
      { peftType: 'PROMPT_TUNING', numVirtualTokens: P, modulesToSave: ['classifier'] },
      { placement: tinyBertPlacement },
    );
    const x = ids();
    trainSteps(peft, 3, { x });
    const dir = tmp('save-load');
    await peft.savePretrained(dir);
    // Fixture: HF's prompt-learning layout for the tiny BERT.
    expect(await readAdapterShapes(dir)).toEqual({
      prompt_embeddings: [P, 8],
      'base_model.classifier.weight': [3, 8],
      'base_model.classifier.bias': [3],
    });
    const cfg = await readAdapterConfig(dir);
    expect(cfg).toMatchObject({
      peft_type: 'PROMPT_TUNING',
      num_virtual_tokens: P,
      num_transformer_submodules: 1,
      prompt_tuning_init: 'RANDOM',
      modules_to_save: ['classifier'],
      inference_mode: true,
    });
    expect(cfg.target_modules).toBeUndefined();
    const want = peft.call(x);
    setSeed(3);
    const loaded = await PeftModel.fromPretrained(new TinyBert(), dir, { placement: tinyBertPlacement });
    const got = loaded.call(x);
    expect(sameValues(got, want)).toBe(true);
    expect(loaded.getNbTrainableParameters().trainable).toBe(0);
    // Without peftkit's sidecar (a file from HF PEFT), the embed module comes from the placement.
    await fs.rm(path.join(dir, 'peftkit.json'));
    setSeed(3);
    const fromHf = await PeftModel.fromPretrained(new TinyBert(), dir, { placement: tinyBertPlacement });
    const got2 = fromHf.call(x);
    expect(sameValues(got2, want)).toBe(true);
    tf.dispose([x, want, got, got2]);
  });

  it("'tokens' init copies the embeddings of the given ids (repeated to P), and round-trips through the file", async () => {
    setSeed(4);
    const model = new TinyBert();
    const table = (model.getSubmodule('embeddings.word_embeddings') as Embedding).weight.value;
    const peft = getPeftModel(
      model,
      {
        peftType: 'PROMPT_TUNING',
        numVirtualTokens: 5,
        promptTuningInit: 'tokens',
        promptTuningInitTokenIds: [7, 2],
      },
      { placement: tinyBertPlacement },
    );
    const prompt = peft.adapterStateDict('default').get('root:prompt_embeddings')!.value;
    const rows = tf.unstack(prompt);
    const want = [7, 2, 7, 2, 7].map((id) => tf.slice(table, [id, 0], [1, -1]).squeeze());
    rows.forEach((r, i) => {
      expect(sameValues(r, want[i]!), `row ${i}`).toBe(true);
    });
    tf.dispose([...rows, ...want]);
    const dir = tmp('tokens');
    await peft.savePretrained(dir);
    const cfg = await readAdapterConfig(dir);
    expect(cfg.prompt_tuning_init).toBe('RANDOM');
    expect(cfg.prompt_tuning_init_token_ids).toEqual([7, 2]);
    expect(promptTuningConfig.fromFile(cfg).config.promptTuningInit).toBe('tokens');
    // An HF file with TEXT init: read as 'random' (the weights replace any init), written back as TEXT.
    const hf = {
      peft_type: 'PROMPT_TUNING',
      num_virtual_tokens: 4,
      prompt_tuning_init: 'TEXT',
      prompt_tuning_init_text: 'Classify:',
      tokenizer_name_or_path: 'bert-base-uncased',
      token_dim: 8,
    };
    const { config, extraFileKeys } = promptTuningConfig.fromFile(hf);
    expect(config.promptTuningInit).toBe('random');
    expect(promptTuningConfig.toFile(config, extraFileKeys)).toMatchObject(hf);
  });

  it('two prompt adapters: switching works, double activation and per-example routing are refused', () => {
    setSeed(5);
    const peft = getPeftModel(
      new TinyBert(),
      { peftType: 'PROMPT_TUNING', numVirtualTokens: P },
      { placement: tinyBertPlacement, adapterName: 'a' },
    );
    peft.addAdapter('b', { peftType: 'PROMPT_TUNING', numVirtualTokens: 2 });
    const x = ids();
    const ya = peft.call(x);
    peft.setAdapter('b');
    const yb = peft.call(x);
    expect(maxAbsDiff(ya, yb)).toBeGreaterThan(1e-4);
    expect(() => peft.setAdapter(['a', 'b'])).toThrow(/only one prompt adapter can be active/);
    expect(peft.activeAdapters).toEqual(['b']);
    expect(() => peft.callWithAdapterNames(['a', 'b', '__base__'], x)).toThrow(
      /cannot be routed per example/,
    );
    peft.setAdapter('a');
    expect(sameValues(peft.call(x), ya)).toBe(true);
    peft.deleteAdapter('a');
    peft.deleteAdapter('b');
    expect(peft.model.getSubmodule('embeddings.word_embeddings').typeName).toBe('Embedding');
    tf.dispose([x, ya, yb]);
  });

  it('rejects bad input with errors that name the problem', () => {
    setSeed(6);
    // Some of these fields are wrong on purpose, for the run-time checks: typed loosely.
    const pt = (extra: Record<string, unknown>) =>
      ({ peftType: 'PROMPT_TUNING', numVirtualTokens: P, ...extra }) as PeftConfigInput;
    expect(() => getPeftModel(new TinyBert(), pt({}))).toThrow(
      /PROMPT_TUNING: the model has no placement, so its 'embed' module is unknown/,
    );
    const noEmbed = definePlacement({ architecture: 'bare', modelRoles: { head: 'classifier' } });
    expect(() => getPeftModel(new TinyBert(), pt({}), { placement: noEmbed })).toThrow(
      /placement 'bare' declares no 'embed' role/,
    );
    expect(() =>
      getPeftModel(new TinyBert(), pt({ numVirtualTokens: 0 }), { placement: tinyBertPlacement }),
    ).toThrow(/numVirtualTokens/);
    expect(() =>
      getPeftModel(new TinyBert(), pt({ promptTuningInit: 'TEXT' }), { placement: tinyBertPlacement }),
    ).toThrow(/promptTuningInit: expected 'random' or 'tokens' \(HF's 'TEXT' needs a tokenizer/);
    expect(() =>
      getPeftModel(new TinyBert(), pt({ promptTuningInit: 'tokens' }), { placement: tinyBertPlacement }),
    ).toThrow(/promptTuningInitTokenIds: required with promptTuningInit 'tokens'/);
    expect(() =>
      getPeftModel(new TinyBert(), pt({ promptTuningInit: 'tokens', promptTuningInitTokenIds: [99] }), {
        placement: tinyBertPlacement,
      }),
    ).toThrow(/id 99, outside the vocabulary of 'embeddings.word_embeddings' \(20 rows\)/);
    expect(() =>
      getPeftModel(new TinyBert(), pt({ tokenDim: 16 }), { placement: tinyBertPlacement }),
    ).toThrow(/tokenDim is 16, but 'embeddings.word_embeddings' \(Embedding\) outputs 8/);
    expect(() => getPeftModel(new TinyBert(), pt({ targetModules: ['query'] }))).toThrow(
      /exactly one embed module, but the targets matched 2/,
    );
    // A module whose output is not [B, T, tokenDim] fails at the first call, naming the shape.
    const onHead = getPeftModel(new TinyBert(), pt({ targetModules: ['classifier'] }));
    const x = ids();
    expect(() => onHead.call(x)).toThrow(/must return \[B, T, 3\] \(tokenDim\), got \[3,3\]/);
    expect(() => onHead.merge()).toThrow(/PROMPT_TUNING adapter 'default' cannot be merged/);
    x.dispose();
  });
});
