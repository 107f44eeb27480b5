export { RunConfigError } from './config-error.js';
export { loadConfigFile, nest, setFlagLayers } from './config-file.js';
export { type ConfigLayer, type MergeResult, mergeLayers, originOf } from './deep-merge.js';
export { formatZodIssues } from './format-issues.js';
export { FROM_THE_DATA, modelConfigView } from './model-config-view.js';
export { parseModelConfig, parseReaderOptions, type RunParts, validatePluginParts } from './plugin-parts.js';
export { type ResolvedRunConfig, type ResolveRunConfigOptions, resolveRunConfig } from './resolve.js';
export {
  DATA_SAMPLINGS,
  type DataSampling,
  type DeepPartial,
  type RunConfig,
  type RunConfigInput,
  type RunConfigLayer,
  runConfigSchema,
} from './schema.js';
export { fieldsWithDefaults, schemaKeysAt } from './schema-keys.js';
