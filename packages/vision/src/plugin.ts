import {
  Architecture,
  ContainerModule,
  DatasetReader,
  definePlugin,
  Head,
  PlacementContribution,
  Preprocessor,
  Preset,
} from '@peftkit/core';
import { csvManifestReader } from './data/csv-manifest.js';
import { idxReader } from './data/idx-reader.js';
import { imageFolderReader } from './data/image-folder.js';
import { medMnistReader } from './data/medmnist.js';
import { mnistPackageReader } from './data/mnist-package.js';
import { classificationHead } from './heads/classification-head.js';
import { multilabelHead } from './heads/multilabel-head.js';
import { resnetArchitecture, tfjsArchitecture, vitArchitecture } from './models/architectures.js';
import {
  resnetPlacementDefaults,
  tfjsPlacementDefaults,
  vitPlacementDefaults,
} from './models/placement-defaults.js';
import { imagePreprocessor } from './preprocess/image-preprocessor.js';
import { classificationPreset, medicalImagingPreset, multilabelPreset } from './presets/index.js';

/**
 * The `@peftkit/vision` plugin: readers (image folders, CSV manifests, MedMNIST `.npz`, IDX,
 * the `mnist` package), the `vision/image` preprocessor, the `vit`, `resnet` and `tfjs-layers`
 * architectures with their default placements, the classification and multi-label heads, and
 * the `vision/classification`, `vision/medical-imaging` and `vision/multilabel` presets.
 */
export const visionPlugin = definePlugin({
  id: 'vision',
  version: '0.1.0',
  domain: 'vision',
  description:
    'images: sharp decoding (8/16-bit), DICOM, MedMNIST, ViT/ResNet/tfjs models, medical-imaging presets',
  module: new ContainerModule(({ bind }) => {
    for (const r of [imageFolderReader, csvManifestReader, medMnistReader, idxReader, mnistPackageReader]) {
      bind(DatasetReader).toConstantValue(r);
    }
    bind(Preprocessor).toConstantValue(imagePreprocessor);
    for (const a of [vitArchitecture, resnetArchitecture, tfjsArchitecture])
      bind(Architecture).toConstantValue(a);
    for (const p of [vitPlacementDefaults, resnetPlacementDefaults, tfjsPlacementDefaults]) {
      bind(PlacementContribution).toConstantValue(p);
    }
    bind(Head).toConstantValue(classificationHead);
    bind(Head).toConstantValue(multilabelHead);
    for (const p of [classificationPreset, medicalImagingPreset, multilabelPreset])
      bind(Preset).toConstantValue(p);
  }),
});

export default visionPlugin;
