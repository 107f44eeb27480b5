import {
  disposeAll,
  loadBaseCheckpoint,
  loadCheckpoint,
  loadTorchStateDict,
  saveCheckpoint,
} from '@peftkit/core';
import { ImageClassifier } from '../../heads/image-classifier.js';
import { configFromJson } from '../hf-config.js';
import { type ViTConfig, vitConfigFileSchema } from './config.js';
import { ViTModel } from './model.js';

/** HF's `base_model_prefix` for ViT task models (`vit.encoder...`). */
export const VIT_BASE_PREFIX = 'vit';

/** A ViT read from a checkpoint, with the keys that were deliberately left out. */
export interface LoadedViT {
  readonly model: ViTModel;
  readonly config: ViTConfig;
  /** File keys not used: `pooler.*` of `ViTModel` files, `classifier.*` of classification files. */
  readonly ignored: string[];
}

/** The `config.json` object of a ViT (HF `ViTConfig` keys plus peftkit's `pooling`). */
export function vitConfigJson(
  config: ViTConfig,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { ...config, model_type: 'vit', architectures: ['ViTModel'], ...extra };
}

/**
 * Loads a ViT backbone from a HF-style directory (`config.json` with model_type `vit` +
 * `model.safetensors`) through core's `loadBaseCheckpoint`: a `ViTModel` checkpoint (keys
 * `embeddings.*`, `encoder.*`, `layernorm.*`; an unused `pooler.*` is ignored) or a
 * `ViTForImageClassification` one (keys under `vit.`; its `classifier.*` is ignored). Every
 * other missing, unexpected or mis-shaped key is an error naming it.
 *
 * @example const { model } = await loadViT('models/vit-tiny');
 */
export async function loadViT(dir: string): Promise<LoadedViT> {
  const { model, config, headTensors } = await loadBaseCheckpoint(dir, {
    modelType: 'vit',
    basePrefix: VIT_BASE_PREFIX,
    // HF's ViTModel has a pooler; the features here are the final LayerNorm's (see ViTModel).
    notBuilt: [/^pooler\./],
    configSchema: vitConfigFileSchema,
    build: (c) => new ViTModel(c),
  });
  const ignored = [...headTensors.keys()];
  disposeAll(headTensors);
  return { model: (model as ViTModel).eval(), config, ignored };
}

/** Writes a ViT backbone as a HF `ViTModel`-style checkpoint (without pooler). */
export async function saveViT(dir: string, model: ViTModel): Promise<void> {
  await saveCheckpoint(dir, model, vitConfigJson(model.config));
}

/** A `ViTForImageClassification` checkpoint as an `ImageClassifier` with its class names. */
export interface LoadedViTClassifier {
  readonly model: ImageClassifier;
  readonly config: ViTConfig;
  readonly labels: string[];
}

/**
 * Loads a HF `ViTForImageClassification` directory whole (`vit.*` + `classifier.*`, strict),
 * with class names from `id2label` (or `0..n-1`).
 */
export async function loadViTForImageClassification(dir: string): Promise<LoadedViTClassifier> {
  const { config: json, tensors } = await loadCheckpoint(dir);
  try {
    const config = configFromJson(vitConfigFileSchema, json, `${dir}/config.json`);
    const w = tensors.get('classifier.weight');
    if (!w)
      throw new Error(`checkpoint ${dir}: no classifier.weight (not a ViTForImageClassification checkpoint)`);
    const n = w.shape[0] as number;
    const id2label = (json['id2label'] ?? {}) as Record<string, unknown>;
    const labels = Array.from({ length: n }, (_, i) => String(id2label[String(i)] ?? i));
    const model = new ImageClassifier(new ViTModel(config), config.hidden_size, n, {
      basePath: VIT_BASE_PREFIX,
    });
    try {
      loadTorchStateDict(model, tensors);
    } catch (err) {
      model.dispose();
      throw new Error(`checkpoint ${dir}: ${(err as Error).message}`, { cause: err });
    }
    return { model: model.eval(), config, labels };
  } finally {
    disposeAll(tensors);
  }
}

/** Writes an `ImageClassifier` over a ViT as a HF `ViTForImageClassification` checkpoint. */
export async function saveViTForImageClassification(
  dir: string,
  model: ImageClassifier,
  labels: readonly string[],
): Promise<void> {
  const vit = model.base;
  if (!(vit instanceof ViTModel) || model.basePath !== VIT_BASE_PREFIX || model.headPath !== 'classifier') {
    throw new Error(
      "saveViTForImageClassification: expects an ImageClassifier with a ViTModel at 'vit' and head 'classifier'",
    );
  }
  const id2label = Object.fromEntries(labels.map((l, i) => [String(i), l]));
  const label2id = Object.fromEntries(labels.map((l, i) => [l, i]));
  await saveCheckpoint(
    dir,
    model,
    vitConfigJson(vit.config, { architectures: ['ViTForImageClassification'], id2label, label2id }),
  );
}
