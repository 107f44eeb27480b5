import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Linear, loadSafetensors, saveSafetensors, setSeed } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureDir, fixtureIo, maxAbsDiff, stateValues } from '../testing/fixtures.js';
import { loadWav2Vec2 } from './checkpoint.js';
import { wav2vec2Config } from './config.js';
import {
  loadMmsAdapter,
  mmsAdapterFileName,
  mmsAdapterPaths,
  resetMmsAdapters,
  saveMmsAdapter,
} from './mms-adapter.js';
import { Wav2Vec2Model } from './model.js';

let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-mms-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function mmsModel(): Promise<Wav2Vec2Model> {
  return (await loadWav2Vec2(fixtureDir('wav2vec2-mms-tiny'))).model.eval() as Wav2Vec2Model;
}

describe('MMS adapter files', () => {
  it("loads HF's adapter.<lang>.safetensors (Wav2Vec2ForCTC layout) and matches the reference with that language", async () => {
    const model = await mmsModel();
    expect(mmsAdapterPaths(model)).toEqual([
      'encoder.layers.0.adapter_layer',
      'encoder.layers.1.adapter_layer',
    ]);
    const io = await fixtureIo('wav2vec2-mms-tiny');
    const x = io.get('input_values')!;
    const mask = io.get('attention_mask')!;
    const lmHead = new Linear(16, 5);
    const loaded = await loadMmsAdapter(model, fixtureDir('wav2vec2-mms-tiny'), 'fra', { lmHead });
    expect(loaded).toMatchObject({ withLmHead: true, vocabSize: 5, lmHeadTensors: undefined });
    const out = model.call(x, { attentionMask: mask });
    expect(maxAbsDiff(out.lastHiddenState, io.get('fra_last_hidden_state')!)).toBeLessThan(1e-4);
    expect(maxAbsDiff(out.lastHiddenState, io.get('last_hidden_state')!)).toBeGreaterThan(1e-3);
    // lm_head came from the file, in PyTorch layout [vocab, hidden].
    const { tensors } = await loadSafetensors(
      path.join(fixtureDir('wav2vec2-mms-tiny'), 'adapter.fra.safetensors'),
    );
    const fileW = tensors.get('lm_head.weight')!;
    const memW = tf.transpose(lmHead.weight.value);
    expect(maxAbsDiff(memW, fileW)).toBe(0);
    // Without a head module the lm_head tensors come back to the caller.
    const again = await loadMmsAdapter(model, fixtureDir('wav2vec2-mms-tiny'), 'fra');
    expect([...again.lmHeadTensors!.keys()].sort()).toEqual(['lm_head.bias', 'lm_head.weight']);
    expect(again.lmHeadTensors!.get('lm_head.weight')!.shape).toEqual([5, 16]);
    tf.dispose([
      ...again.lmHeadTensors!.values(),
      ...tensors.values(),
      memW,
      ...io.values(),
      ...Object.values(out),
    ]);
    lmHead.dispose();
    model.dispose();
  });

  it('saves and reloads both layouts exactly, and the CTC file has the keys HF load_adapter expects', async () => {
    setSeed(1);
    const cfg = wav2vec2Config({
      hidden_size: 16,
      num_hidden_layers: 2,
      num_attention_heads: 2,
      intermediate_size: 32,
      conv_dim: [8, 8],
      conv_kernel: [4, 3],
      conv_stride: [3, 2],
      num_conv_pos_embeddings: 3,
      num_conv_pos_embedding_groups: 4,
      do_stable_layer_norm: true,
      adapter_attn_dim: 4,
    });
    const model = new Wav2Vec2Model(cfg);
    const lmHead = new Linear(16, 7);
    const file = await saveMmsAdapter(model, tmp, 'deu', { lmHead });
    expect(path.basename(file)).toBe('adapter.deu.safetensors');
    const { tensors } = await loadSafetensors(file);
    expect([...tensors.keys()].sort()).toEqual(
      [
        ...[0, 1].flatMap((i) =>
          [
            'norm.weight',
            'norm.bias',
            'linear_1.weight',
            'linear_1.bias',
            'linear_2.weight',
            'linear_2.bias',
          ].map((k) => `wav2vec2.encoder.layers.${i}.adapter_layer.${k}`),
        ),
        'lm_head.weight',
        'lm_head.bias',
      ].sort(),
    );
    expect(tensors.get('wav2vec2.encoder.layers.0.adapter_layer.linear_1.weight')!.shape).toEqual([4, 16]);
    tf.dispose([...tensors.values()]);
    await saveMmsAdapter(model, tmp, 'ita');
    const saved = stateValues(model);
    const head0 = Array.from(lmHead.weight.value.dataSync());
    resetMmsAdapters(model);
    const other = new Linear(16, 7);
    expect(stateValues(model)).not.toEqual(saved);
    await loadMmsAdapter(model, tmp, 'deu', { lmHead: other });
    expect(stateValues(model)).toEqual(saved);
    expect(Array.from(other.weight.value.dataSync())).toEqual(head0);
    resetMmsAdapters(model);
    const base = await loadMmsAdapter(model, tmp, 'ita');
    expect(base).toMatchObject({ withLmHead: false, vocabSize: undefined, lmHeadTensors: undefined });
    expect(stateValues(model)).toEqual(saved);
    model.dispose();
    lmHead.dispose();
    other.dispose();
  });

  it('refuses bad language ids, missing or unexpected keys, a head of the wrong size, and models without adapters', async () => {
    const model = await mmsModel();
    expect(() => mmsAdapterFileName('../x')).toThrow("language id '../x'");
    const dir = path.join(tmp, 'broken');
    await fs.mkdir(dir, { recursive: true });
    const { tensors } = await loadSafetensors(
      path.join(fixtureDir('wav2vec2-mms-tiny'), 'adapter.fra.safetensors'),
    );
    const broken = new Map(tensors);
    broken.delete('wav2vec2.encoder.layers.1.adapter_layer.norm.bias');
    broken.set('wav2vec2.encoder.layers.2.adapter_layer.norm.bias', tf.zeros([16]));
    await saveSafetensors(path.join(dir, 'adapter.xx.safetensors'), broken, { format: 'pt' });
    await expect(loadMmsAdapter(model, dir, 'xx')).rejects.toThrow(
      /missing keys: wav2vec2\.encoder\.layers\.1\.adapter_layer\.norm\.bias; unexpected keys: wav2vec2\.encoder\.layers\.2\.adapter_layer\.norm\.bias/,
    );
    const head = new Linear(16, 6);
    await expect(
      loadMmsAdapter(model, fixtureDir('wav2vec2-mms-tiny'), 'fra', { lmHead: head }),
    ).rejects.toThrow(/weight: file has \[5,16\], expected PyTorch-layout \[6,16\]/);
    await expect(loadMmsAdapter(model, dir, 'nope')).rejects.toThrow(/adapter\.nope\.safetensors/);
    const plain = new Wav2Vec2Model(
      wav2vec2Config({
        hidden_size: 16,
        num_attention_heads: 2,
        conv_dim: [8],
        conv_kernel: [4],
        conv_stride: [3],
        num_hidden_layers: 1,
        num_conv_pos_embedding_groups: 2,
        num_conv_pos_embeddings: 4,
        intermediate_size: 8,
      }),
    );
    await expect(loadMmsAdapter(plain, fixtureDir('wav2vec2-mms-tiny'), 'fra')).rejects.toThrow(
      'the model has no adapter layers',
    );
    tf.dispose([...broken.values(), ...tensors.values()]);
    head.dispose();
    plain.dispose();
    model.dispose();
  });
});
