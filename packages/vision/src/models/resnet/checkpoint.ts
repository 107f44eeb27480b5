import { disposeAll, loadCheckpoint, loadTorchStateDict, saveCheckpoint } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { configFromJson, configToJson } from '../hf-config.js';
import { type ResNetConfig, resnetConfigSchema } from './config.js';
import { ResNet } from './model.js';

/** A ResNet read from a checkpoint directory. */
export interface LoadedResNet {
  readonly model: ResNet;
  readonly config: ResNetConfig;
  /** File keys not used (`fc.*` when loading without the classifier). */
  readonly ignored: string[];
}

export interface LoadResNetOptions {
  /**
   * Drop the file's classifier (`fc.*`) and build the model without it (`numClasses: 0`), as
   * when a new head replaces it (default false: load exactly what `config.json` says).
   */
  dropClassifier?: boolean;
}

/** The `config.json` object of a ResNet. */
export function resnetConfigJson(config: ResNetConfig): Record<string, unknown> {
  return configToJson('resnet', config, { architectures: ['torchvision.models.ResNet'] });
}

/**
 * Loads a ResNet from `config.json` (this package's `resnet` fields) + `model.safetensors`
 * holding a torchvision state dict (`conv1.weight`, `bn1.running_mean`, `layer1.0.conv1.weight`,
 * `fc.weight`, ...). Every missing, unexpected or mis-shaped key is an error naming it; a
 * missing `num_batches_tracked` (torchvision files before 0.4) is filled with 0.
 *
 * @example const { model } = await loadResNet('models/resnet18-xray', { dropClassifier: true });
 */
export async function loadResNet(dir: string, options: LoadResNetOptions = {}): Promise<LoadedResNet> {
  const { config: json, tensors } = await loadCheckpoint(dir);
  const added: tf.Tensor[] = [];
  try {
    let config = configFromJson(resnetConfigSchema, json, `${dir}/config.json`);
    if (options.dropClassifier) config = { ...config, numClasses: 0 };
    const model = new ResNet(config);
    const ignored = options.dropClassifier ? [...tensors.keys()].filter((k) => k.startsWith('fc.')) : [];
    const used = new Map([...tensors].filter(([k]) => !ignored.includes(k)));
    for (const key of model.stateDict().keys()) {
      if (key.endsWith('.num_batches_tracked') && !used.has(key)) {
        const t = tf.scalar(0, 'int32');
        added.push(t);
        used.set(key, t);
      }
    }
    try {
      loadTorchStateDict(model, used);
    } catch (err) {
      model.dispose();
      throw new Error(`checkpoint ${dir}: ${(err as Error).message}`, { cause: err });
    }
    return { model: model.eval(), config: model.config, ignored };
  } finally {
    disposeAll(tensors);
    tf.dispose(added);
  }
}

/** Writes a ResNet as `config.json` + a torchvision-layout `model.safetensors`. */
export async function saveResNet(dir: string, model: ResNet): Promise<void> {
  await saveCheckpoint(dir, model, resnetConfigJson(model.config));
}
