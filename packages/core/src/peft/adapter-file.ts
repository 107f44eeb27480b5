import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadSafetensors, readJsonObject, saveSafetensors, writeJsonAtomic } from '../io/index.js';
import { exists } from '../io/read-json.js';
import { fromTorchLayout, type Parameter, sameShape, torchShapeOf, toTorchLayout } from '../nn/index.js';

/** File names of an adapter directory (HF PEFT layout plus peftkit's sidecar). */
export const ADAPTER_FILES = {
  config: 'adapter_config.json',
  weights: 'adapter_model.safetensors',
  sidecar: 'peftkit.json',
} as const;

/** HF PEFT prefixes every adapter key with the PeftModel -> tuner -> model path. */
export const ADAPTER_KEY_PREFIX = 'base_model.model.';

/** HF keeps a few tensors on the tuner itself, outside the model: VeRA's `base_model.vera_A`. */
export const TUNER_KEY_PREFIX = 'base_model.';

/**
 * Marks a key of `PeftMethod.adapterParameters` as tuner-level (written `base_model.<name>`,
 * not `base_model.model.<name>`). Module paths never contain ':', so it cannot collide.
 */
const TUNER_KEY_MARK = 'tuner:';

/** The `adapterParameters` key of a tensor HF stores on the tuner, e.g. `tunerKey('vera_A')`. */
export function tunerKey(name: string): string {
  return `${TUNER_KEY_MARK}${name}`;
}

/**
 * Marks a key of `PeftMethod.adapterParameters` as top-level: written exactly as given, with no
 * prefix. HF's prompt-learning methods save `prompt_embeddings` this way.
 */
const ROOT_KEY_MARK = 'root:';

/** The `adapterParameters` key of a tensor HF stores at the top level, e.g. `rootKey('prompt_embeddings')`. */
export function rootKey(name: string): string {
  return `${ROOT_KEY_MARK}${name}`;
}

/** The full safetensors key of an `adapterParameters` key. */
export function adapterFileKey(key: string): string {
  if (key.startsWith(ROOT_KEY_MARK)) return key.slice(ROOT_KEY_MARK.length);
  return key.startsWith(TUNER_KEY_MARK)
    ? `${TUNER_KEY_PREFIX}${key.slice(TUNER_KEY_MARK.length)}`
    : `${ADAPTER_KEY_PREFIX}${key}`;
}

/** Inverse of `adapterFileKey`; keys without HF's prefix are kept as they are. */
function paramKeyOf(fileKey: string): string {
  if (fileKey.startsWith(ADAPTER_KEY_PREFIX)) return fileKey.slice(ADAPTER_KEY_PREFIX.length);
  if (fileKey.startsWith(TUNER_KEY_PREFIX)) return tunerKey(fileKey.slice(TUNER_KEY_PREFIX.length));
  return fileKey;
}

/** What peftkit keeps beside the HF files: roles and resolved targets, versioned. */
export interface AdapterSidecar {
  format: 'peftkit-adapter';
  version: 1;
  adapterName: string;
  peftType: string;
  architecture?: string;
  targetRoles?: string[];
  /** Module paths the adapter was injected into. */
  targets: string[];
  modulesToSave?: string[];
  /**
   * Label names in head-output order. Written by `pushRun` (HF PEFT files carry no labels; the
   * base's `id2label` names the base's task); read back by `loadHfRun`.
   */
  labels?: string[];
}

/** Writes the adapter's parameters in PyTorch layout under HF keys, atomically. */
export async function writeAdapterWeights(
  file: string,
  params: ReadonlyMap<string, Parameter>,
): Promise<void> {
  const tensors = new Map<string, tf.Tensor>();
  try {
    for (const [key, p] of params) tensors.set(adapterFileKey(key), toTorchLayout(p.value, p.layout));
    await saveSafetensors(file, tensors, { format: 'pt' });
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}

/**
 * Loads adapter weights into `params` (keyed without the prefix). Checks everything first and
 * throws one error listing missing keys, unexpected keys and shape mismatches (a sign the
 * adapter was trained for a different base); nothing is assigned in that case.
 */
export async function readAdapterWeights(
  file: string,
  wanted: ReadonlyMap<string, Parameter>,
  options: {
    /**
     * Called once with the file shapes (PyTorch layout) of the keys whose shape differs from the
     * model's, before any check; may rebuild modules to fit them and returns the parameters to
     * load into instead (`PeftModel.loadAdapter`'s `headShapesFromFile`).
     */
    readonly fitShapes?: (
      fileShapes: ReadonlyMap<string, readonly number[]>,
    ) => ReadonlyMap<string, Parameter>;
  } = {},
): Promise<void> {
  const { tensors } = await loadSafetensors(file);
  try {
    let params = wanted;
    if (options.fitShapes) {
      const differing = new Map<string, readonly number[]>();
      for (const [k, t] of tensors) {
        const p = params.get(paramKeyOf(k));
        if (p && !sameShape(t.shape, torchShapeOf(p.shape, p.layout))) differing.set(paramKeyOf(k), t.shape);
      }
      if (differing.size) params = options.fitShapes(differing);
    }
    const byKey = new Map<string, tf.Tensor>();
    const unexpected: string[] = [];
    for (const [k, t] of tensors) {
      const plain = paramKeyOf(k);
      // A key without HF's prefixes may be a top-level one (`prompt_embeddings`).
      const key = params.has(plain) || !params.has(rootKey(k)) ? plain : rootKey(k);
      if (params.has(key)) byKey.set(key, t);
      else unexpected.push(k);
    }
    const missing = [...params.keys()].filter((k) => !byKey.has(k)).map(adapterFileKey);
    const mismatched: string[] = [];
    for (const [key, t] of byKey) {
      const p = params.get(key) as Parameter;
      const expected = torchShapeOf(p.shape, p.layout);
      if (!sameShape(t.shape, expected)) {
        mismatched.push(`${adapterFileKey(key)}: file has [${t.shape}], this model expects [${expected}]`);
      }
    }
    if (missing.length || unexpected.length || mismatched.length) {
      const parts = [
        mismatched.length ? `shape mismatches (${mismatched.length}):\n  ${mismatched.join('\n  ')}` : '',
        missing.length ? `missing keys (${missing.length}):\n  ${missing.join('\n  ')}` : '',
        unexpected.length ? `unexpected keys (${unexpected.length}):\n  ${unexpected.join('\n  ')}` : '',
      ].filter(Boolean);
      throw new Error(
        `${file}: adapter does not fit this model (trained for a different base?)\n${parts.join('\n')}`,
      );
    }
    for (const [key, t] of byKey) {
      const p = params.get(key) as Parameter;
      const mem = fromTorchLayout(t.dtype === p.dtype ? t : tf.cast(t, p.dtype), p.layout, p.shape);
      p.assign(mem);
      mem.dispose();
    }
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}

/** The directory of one adapter: the root for `default`, else a subdirectory named after it (HF). */
export function adapterDir(root: string, adapterName: string): string {
  return adapterName === 'default' ? root : path.join(root, adapterName);
}

export async function writeAdapterConfig(
  dir: string,
  fileConfig: Record<string, unknown>,
  sidecar: AdapterSidecar,
): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await writeJsonAtomic(path.join(dir, ADAPTER_FILES.config), fileConfig);
  await writeJsonAtomic(path.join(dir, ADAPTER_FILES.sidecar), sidecar);
}

export async function readAdapterConfig(
  dir: string,
): Promise<{ fileConfig: Record<string, unknown>; sidecar: AdapterSidecar | undefined }> {
  const fileConfig = await readJsonObject(path.join(dir, ADAPTER_FILES.config), 'adapter config');
  if (typeof fileConfig['peft_type'] !== 'string') {
    throw new Error(
      `adapter config ${path.join(dir, ADAPTER_FILES.config)}: missing string field 'peft_type'`,
    );
  }
  const sidecarPath = path.join(dir, ADAPTER_FILES.sidecar);
  if (!(await exists(sidecarPath))) return { fileConfig, sidecar: undefined };
  const raw = await readJsonObject(sidecarPath, 'peftkit sidecar');
  if (raw['format'] !== 'peftkit-adapter' || !Array.isArray(raw['targets'])) {
    throw new Error(
      `peftkit sidecar ${sidecarPath}: expected format 'peftkit-adapter' with a 'targets' array`,
    );
  }
  return { fileConfig, sidecar: raw as unknown as AdapterSidecar };
}
