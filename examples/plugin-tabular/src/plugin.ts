import {
  Architecture,
  ContainerModule,
  DatasetReader,
  definePlugin,
  Head,
  PeftMethodContribution,
  PlacementContribution,
  Preprocessor,
  Preset,
} from '@peftkit/core';
import { csvReader } from './data/csv-reader.js';
import { syntheticReader } from './data/synthetic-reader.js';
import { classificationHead } from './heads/classification.js';
import { featureAffineMethod } from './methods/feature-affine/index.js';
import { mlpArchitecture } from './models/mlp/architecture.js';
import { standardize } from './preprocess/standardize.js';
import { classificationPreset } from './presets/classification.js';

/**
 * The tabular plugin: everything it contributes, bound under core's identifiers. Plain objects,
 * no classes to construct, so one `toConstantValue` per contribution.
 */
export default definePlugin({
  id: 'tabular',
  version: '0.1.0',
  domain: 'tabular',
  description:
    'CSV tables: reader, standardisation, residual MLP, classification head, a PEFT method (FEATURE_AFFINE) and preset',
  module: new ContainerModule(({ bind }) => {
    bind(DatasetReader).toConstantValue(csvReader);
    bind(DatasetReader).toConstantValue(syntheticReader);
    bind(Preprocessor).toConstantValue(standardize);
    bind(Architecture).toConstantValue(mlpArchitecture);
    bind(Head).toConstantValue(classificationHead);
    bind(PlacementContribution).toConstantValue({
      architecture: 'tabular-mlp',
      defaults: { LORA: { targetRoles: ['ffn.up', 'ffn.down'] } },
    });
    bind(PeftMethodContribution).toConstantValue(featureAffineMethod);
    bind(Preset).toConstantValue(classificationPreset);
  }),
});
