/** Architectures: ViT (HF names), ResNet (torchvision names), imported tfjs LayersModels. */

export { resnetArchitecture, tfjsArchitecture, vitArchitecture } from './architectures.js';
export { FrozenStatsBatchNorm2d, useFrozenStatsBatchNorm } from './frozen-batch-norm.js';
export { configFromJson } from './hf-config.js';
export {
  resnetPlacementDefaults,
  tfjsPlacementDefaults,
  vitPlacementDefaults,
} from './placement-defaults.js';
export { BasicBlock, Bottleneck } from './resnet/blocks.js';
export {
  type LoadedResNet,
  type LoadResNetOptions,
  loadResNet,
  resnetConfigJson,
  saveResNet,
} from './resnet/checkpoint.js';
export {
  RESNET_VARIANTS,
  type ResNetConfig,
  type ResNetConfigInput,
  type ResNetVariant,
  resnetConfig,
  resnetConfigFileSchema,
  resnetConfigSchema,
  resnetFeatures,
} from './resnet/config.js';
export { ResNet } from './resnet/model.js';
export { resnetPaths, resnetPlacement } from './resnet/placement.js';
export {
  type ImportedRoles,
  importedRoles,
  importedRolesSchema,
  isTfjsModelDir,
  type LoadedTfjsModel,
  loadTfjsCheckpoint,
  loadTfjsModel,
  saveTfjsCheckpoint,
  type TfjsModelConfig,
  tfjsModelConfigSchema,
  tfjsPlacement,
} from './tfjs/imported.js';
export {
  VIT_SELF_ATTENTION_NAMES,
  ViTAttention,
  ViTSelfAttention,
  ViTSelfOutput,
} from './vit/attention.js';
export {
  type LoadedViT,
  type LoadedViTClassifier,
  loadViT,
  loadViTForImageClassification,
  saveViT,
  saveViTForImageClassification,
  VIT_BASE_PREFIX,
  vitConfigJson,
} from './vit/checkpoint.js';
export {
  patchGrid,
  type ViTConfig,
  type ViTConfigInput,
  vitConfigFileSchema,
  vitConfigSchema,
} from './vit/config.js';
export { ViTEmbeddings, ViTPatchEmbeddings } from './vit/embeddings.js';
export { ViTEncoder, ViTIntermediate, ViTLayer, ViTOutput } from './vit/layer.js';
export { initViTWeights, ViTModel } from './vit/model.js';
export { vitPlacement } from './vit/placement.js';
export {
  interpolatePositionEmbeddings,
  interpolationMatrix,
  type PositionInterpolation,
} from './vit/position-interpolation.js';
