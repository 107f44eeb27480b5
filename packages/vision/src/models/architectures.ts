import { type AnyModule, type Architecture, saveCheckpoint } from '@peftkit/core';
import { loadResNet, resnetConfigJson } from './resnet/checkpoint.js';
import { type ResNetConfig, resnetConfigSchema, resnetFeatures } from './resnet/config.js';
import { ResNet } from './resnet/model.js';
import { resnetPlacement } from './resnet/placement.js';
import {
  loadTfjsCheckpoint,
  saveTfjsCheckpoint,
  type TfjsModelConfig,
  tfjsModelConfigSchema,
  tfjsPlacement,
} from './tfjs/imported.js';
import { loadViT, vitConfigJson } from './vit/checkpoint.js';
import { type ViTConfig, vitConfigSchema } from './vit/config.js';
import { ViTModel } from './vit/model.js';
import { vitPlacement } from './vit/placement.js';

/**
 * `vit`: HF ViTModel names; outputs the pooled class token for a head. `model.config` holds HF
 * `ViTConfig` keys (`hidden_size`, `image_size`, `patch_size`, ...).
 */
export const vitArchitecture: Architecture<ViTConfig> = {
  id: 'vit',
  description:
    'Vision Transformer with Hugging Face ViTModel names (loads ViTModel / ViTForImageClassification checkpoints)',
  modelTypes: ['vit'],
  configSchema: vitConfigSchema,
  build: (config) => new ViTModel(config),
  async loadCheckpoint(dir) {
    const { model, config } = await loadViT(dir);
    return { model, config };
  },
  // The model's own (validated) config, not the argument: a run manifest written before the
  // snake_case rename holds camelCase keys, which would make a config.json of defaults.
  saveCheckpoint: (dir, model) => saveCheckpoint(dir, model, vitConfigJson(asViT(model).config)),
  placement: () => vitPlacement(),
  outputFeatures: (config) => config.hidden_size,
};

/**
 * `resnet`: torchvision names. As a base under a head it has no `fc`: a checkpoint's classifier
 * is dropped (the head brings a new one) and `num_classes` is forced to 0.
 */
export const resnetArchitecture: Architecture<ResNetConfig> = {
  id: 'resnet',
  description:
    'ResNet (BasicBlock/Bottleneck) with torchvision names; BatchNorm statistics freeze with the base',
  modelTypes: ['resnet'],
  configSchema: resnetConfigSchema,
  build: (config) => new ResNet({ ...config, num_classes: 0 }),
  async loadCheckpoint(dir) {
    const { model, config } = await loadResNet(dir, { dropClassifier: true });
    return { model, config };
  },
  saveCheckpoint: (dir, model) => saveCheckpoint(dir, model, resnetConfigJson(asResNet(model).config)),
  placement: (config) => resnetPlacement({ ...config, num_classes: 0 }),
  outputFeatures: (config) => resnetFeatures(config),
};

function asViT(model: AnyModule): ViTModel {
  if (!(model instanceof ViTModel)) throw new Error(`vit: expected a ViTModel, got ${model.typeName}`);
  return model;
}

function asResNet(model: AnyModule): ResNet {
  if (!(model instanceof ResNet)) throw new Error(`resnet: expected a ResNet, got ${model.typeName}`);
  return model;
}

/**
 * `tfjs-layers`: a tfjs LayersModel (`model.json` + shards) imported layer by layer; roles from
 * layer types (`conv`, `head`, `norm`). Set `model.base` to its folder; a `config.json` there
 * with `output_layer` cuts the model at its feature layer.
 */
export const tfjsArchitecture: Architecture<TfjsModelConfig> = {
  id: 'tfjs-layers',
  description: 'an imported tfjs LayersModel (model.json); LoRA on its Conv2D layers',
  modelTypes: ['tfjs-layers'],
  configSchema: tfjsModelConfigSchema,
  build() {
    throw new Error(
      'tfjs-layers models are imported, not built: set model.base to the folder holding model.json',
    );
  },
  loadCheckpoint: (dir) => loadTfjsCheckpoint(dir),
  saveCheckpoint: (dir, model, config) => saveTfjsCheckpoint(dir, model, config),
  placement(config) {
    if (!config.roles)
      throw new Error('tfjs-layers: the config has no roles (load the model with loadTfjsModel)');
    return tfjsPlacement(config.roles);
  },
  outputFeatures(config) {
    if (config.features === undefined) {
      throw new Error(
        'tfjs-layers: the model output is not a feature vector [B, F]; set output_layer in config.json',
      );
    }
    return config.features;
  },
};
