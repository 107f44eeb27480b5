import { disposeAll, loadBaseCheckpoint, saveCheckpoint } from '@peftkit/core';
import { type ResNetConfig, resnetConfigFileSchema } from './config.js';
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
   * Drop the file's classifier (`fc.*`) and build the model without it (`num_classes: 0`), as
   * when a new head replaces it (default false: load exactly what `config.json` says).
   */
  dropClassifier?: boolean;
}

/** The `config.json` object of a ResNet. */
export function resnetConfigJson(config: ResNetConfig): Record<string, unknown> {
  return { ...config, model_type: 'resnet', architectures: ['torchvision.models.ResNet'] };
}

/**
 * Loads a ResNet from `config.json` (model_type `resnet`, this package's fields) +
 * `model.safetensors` holding a torchvision state dict (`conv1.weight`, `bn1.running_mean`,
 * `layer1.0.conv1.weight`, `fc.weight`, ...) through core's `loadBaseCheckpoint`. Every missing,
 * unexpected or mis-shaped key is an error naming it; a missing `num_batches_tracked`
 * (torchvision files before 0.4) keeps its initial 0.
 *
 * @example const { model } = await loadResNet('models/resnet18-xray', { dropClassifier: true });
 */
export async function loadResNet(dir: string, options: LoadResNetOptions = {}): Promise<LoadedResNet> {
  const { model, headTensors } = await loadBaseCheckpoint(dir, {
    modelType: 'resnet',
    basePrefix: '',
    optional: [/\.num_batches_tracked$/],
    notBuilt: options.dropClassifier ? [/^fc\./] : [],
    configSchema: resnetConfigFileSchema,
    // Without `fc`, the file's classifier comes back as head tensors.
    build: (c) => new ResNet(options.dropClassifier ? { ...c, num_classes: 0 } : c),
  });
  const ignored = [...headTensors.keys()];
  disposeAll(headTensors);
  const resnet = model as ResNet;
  return { model: resnet.eval(), config: resnet.config, ignored };
}

/** Writes a ResNet as `config.json` + a torchvision-layout `model.safetensors`. */
export async function saveResNet(dir: string, model: ResNet): Promise<void> {
  await saveCheckpoint(dir, model, resnetConfigJson(model.config));
}
