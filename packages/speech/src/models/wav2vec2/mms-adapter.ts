import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import {
  type AnyModule,
  disposeAll,
  loadSafetensors,
  loadTorchStateDict,
  saveSafetensors,
  toTorchStateDict,
} from '@peftkit/core';
import type * as tf from '@tensorflow/tfjs';
import { initLinearAndNorm } from '../common/init-weights.js';
import { Wav2Vec2AttnAdapterLayer } from './layer.js';
import type { Wav2Vec2Model } from './model.js';

/** HF's file name for one language's adapter weights (`WAV2VEC2_ADAPTER_SAFE_FILE`). */
export function mmsAdapterFileName(lang: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(lang)) {
    throw new Error(
      `MMS adapter: language id '${lang}' must be letters, digits, '_' or '-' (e.g. 'eng', 'fra')`,
    );
  }
  return `adapter.${lang}.safetensors`;
}

/** Key prefix of the base inside a `Wav2Vec2ForCTC` file (HF's `base_model_prefix`). */
const CTC_BASE_PREFIX = 'wav2vec2.';
const LM_HEAD = 'lm_head.';

/** Paths of the model's MMS adapter layers (`encoder.layers.N.adapter_layer`). */
export function mmsAdapterPaths(model: Wav2Vec2Model): string[] {
  const out = [...model.namedModules()]
    .filter(([, m]) => m instanceof Wav2Vec2AttnAdapterLayer)
    .map(([p]) => p);
  if (out.length === 0) {
    throw new Error(
      'MMS adapter: the model has no adapter layers (its config needs adapter_attn_dim and do_stable_layer_norm)',
    );
  }
  return out;
}

/** The adapter layers' tensors in PyTorch layout, keyed as HF's `_get_adapters` names them on `Wav2Vec2Model`. */
function adapterStateDict(model: Wav2Vec2Model): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const p of mmsAdapterPaths(model)) {
    for (const [k, t] of toTorchStateDict(model.getSubmodule(p), { prefix: p })) out.set(k, t);
  }
  return out;
}

/** What `loadMmsAdapter` read besides the adapter layers. */
export interface LoadedMmsAdapter {
  /** The file read. */
  readonly file: string;
  /** Whether the file is a `Wav2Vec2ForCTC` adapter (keys under `wav2vec2.`, with `lm_head`). */
  readonly withLmHead: boolean;
  /** Output size of the file's `lm_head` (the language's CTC vocabulary), when it has one. */
  readonly vocabSize: number | undefined;
  /**
   * The file's `lm_head.weight` / `lm_head.bias` (PyTorch layout) when no `lmHead` module was
   * passed to load them into; the caller owns and disposes them.
   */
  readonly lmHeadTensors: Map<string, tf.Tensor> | undefined;
}

export interface MmsAdapterOptions {
  /**
   * The CTC head's output Linear (HF `lm_head`): loaded from / saved to the file's `lm_head.*`.
   * Its shape must match the file's (a language with another vocabulary needs a head of that size).
   */
  readonly lmHead?: AnyModule;
}

/**
 * Loads one language's MMS adapter (`<dir>/adapter.<lang>.safetensors`) as HF's
 * `Wav2Vec2PreTrainedModel.load_adapter` does: every `adapter_layer` of the model is overwritten,
 * strictly (a missing, unexpected or mis-shaped key is an error naming it). Two layouts are read:
 * a `Wav2Vec2ForCTC` file (`wav2vec2.encoder.layers.N.adapter_layer.*` plus `lm_head.weight` /
 * `lm_head.bias`, what MMS publishes) and a `Wav2Vec2Model` file (`encoder.layers.N.adapter_layer.*`).
 *
 * @example
 * const head = await loadMmsAdapter(w2v, 'models/mms-1b-all', 'fra', { lmHead: ctc.lmHead });
 */
export async function loadMmsAdapter(
  model: Wav2Vec2Model,
  dir: string,
  lang: string,
  options: MmsAdapterOptions = {},
): Promise<LoadedMmsAdapter> {
  const file = path.join(dir, mmsAdapterFileName(lang));
  const { tensors } = await loadSafetensors(file).catch((err: Error) => {
    throw new Error(`MMS adapter ${file}: ${err.message}`, { cause: err });
  });
  let keep: Map<string, tf.Tensor> | undefined;
  try {
    const keys = [...tensors.keys()];
    const withLmHead = keys.some((k) => k.startsWith(CTC_BASE_PREFIX) || k.startsWith(LM_HEAD));
    const adapters = new Map<string, tf.Tensor>();
    const head = new Map<string, tf.Tensor>();
    const stray: string[] = [];
    for (const [k, t] of tensors) {
      if (withLmHead && k.startsWith(LM_HEAD)) head.set(k.slice(LM_HEAD.length), t);
      else if (withLmHead && k.startsWith(CTC_BASE_PREFIX)) adapters.set(k.slice(CTC_BASE_PREFIX.length), t);
      else if (!withLmHead) adapters.set(k, t);
      else stray.push(k);
    }
    const expected = new Set(
      mmsAdapterPaths(model).flatMap((p) =>
        [...model.getSubmodule(p).stateDict().keys()].map((k) => `${p}.${k}`),
      ),
    );
    const pre = withLmHead ? CTC_BASE_PREFIX : '';
    const unexpected = [
      ...stray,
      ...[...adapters.keys()].filter((k) => !expected.has(k)).map((k) => pre + k),
    ];
    const missing = [...expected].filter((k) => !adapters.has(k)).map((k) => pre + k);
    if (withLmHead) {
      for (const k of ['weight', 'bias']) if (!head.has(k)) missing.push(`${LM_HEAD}${k}`);
      for (const k of head.keys()) if (k !== 'weight' && k !== 'bias') unexpected.push(`${LM_HEAD}${k}`);
    }
    const problems = [
      missing.length ? `missing keys: ${missing.join(', ')}` : '',
      unexpected.length ? `unexpected keys: ${unexpected.join(', ')}` : '',
    ].filter(Boolean);
    if (problems.length) throw new Error(`MMS adapter ${file}: ${problems.join('; ')}`);
    if (options.lmHead && !withLmHead) {
      throw new Error(
        `MMS adapter ${file}: an lmHead was given but the file has no lm_head (a Wav2Vec2Model adapter file)`,
      );
    }
    try {
      loadTorchStateDict(model, adapters, { strict: false });
      if (options.lmHead) loadTorchStateDict(options.lmHead, head);
    } catch (err) {
      throw new Error(`MMS adapter ${file}: ${(err as Error).message}`, { cause: err });
    }
    if (withLmHead && !options.lmHead) {
      keep = new Map([...head].map(([k, t]) => [`${LM_HEAD}${k}`, t]));
    }
    return {
      file,
      withLmHead,
      vocabSize: withLmHead ? (head.get('weight')?.shape[0] as number) : undefined,
      lmHeadTensors: keep,
    };
  } finally {
    for (const [k, t] of tensors) {
      const kept = keep?.has(k);
      if (!kept) t.dispose();
    }
  }
}

/**
 * Writes the model's adapter layers as `<dir>/adapter.<lang>.safetensors`, atomically. With
 * `lmHead` the file is what HF's `Wav2Vec2ForCTC` reads back with `load_adapter(lang)`
 * (`wav2vec2.`-prefixed adapter keys plus `lm_head.*`); without, the `Wav2Vec2Model` layout.
 */
export async function saveMmsAdapter(
  model: Wav2Vec2Model,
  dir: string,
  lang: string,
  options: MmsAdapterOptions = {},
): Promise<string> {
  const file = path.join(dir, mmsAdapterFileName(lang));
  const out = new Map<string, tf.Tensor>();
  try {
    const pre = options.lmHead ? CTC_BASE_PREFIX : '';
    for (const [k, t] of adapterStateDict(model)) out.set(pre + k, t);
    if (options.lmHead)
      for (const [k, t] of toTorchStateDict(options.lmHead, { prefix: 'lm_head' })) out.set(k, t);
    await fs.mkdir(dir, { recursive: true });
    await saveSafetensors(file, out, { format: 'pt' });
  } finally {
    disposeAll(out);
  }
  return file;
}

/**
 * Re-initialises every adapter layer as HF's `init_adapter_layers` does before training a new
 * language: Linear weights N(0, initializer_range^2) with zero biases, LayerNorm 1 / 0.
 */
export function resetMmsAdapters(model: Wav2Vec2Model): void {
  for (const p of mmsAdapterPaths(model))
    initLinearAndNorm(model.getSubmodule(p), model.config.initializer_range);
}
