export {
  ADAPTER_FILES,
  ADAPTER_KEY_PREFIX,
  type AdapterSidecar,
  adapterDir,
  readAdapterConfig,
  readAdapterWeights,
  rootKey,
  TUNER_KEY_PREFIX,
  tunerKey,
  writeAdapterConfig,
  writeAdapterWeights,
} from './adapter-file.js';
export {
  AdapterContainerLike,
  AdapterLayer,
  AdapterModuleDict,
  AdapterParameterDict,
  type AdapterRouting,
  BASE_ADAPTER,
  validateAdapterName,
} from './adapter-layer.js';
export {
  type ConfigInput,
  type ConfigSpec,
  camelToSnake,
  commonConfigShape,
  defineConfig,
  formatIssues,
  type MethodConfigInput,
  type PeftConfig,
  type PeftConfigBase,
  type Simplify,
  snakeToCamel,
} from './config.js';
export type { PeftConfigInput, PeftConfigMap } from './config-map.js';
export {
  type DefaultsContext,
  type DefaultTargets,
  type DefaultTargetsContext,
  type DefaultTargetTable,
  namesTargets,
  resolvePeftDefaults,
} from './defaults.js';
export { enableGradientCheckpointing } from './gradient-checkpointing.js';
export {
  type AdapterActivation,
  type InjectContext,
  type InjectReport,
  isPromptAware,
  type MethodTrainingContext,
  type MethodTrainingHooks,
  type PeftMethod,
  type PromptAware,
  type WeightedAdapterRequest,
} from './method.js';
export * from './methods/adalora/index.js';
export * from './methods/bitfit/index.js';
export * from './methods/bottleneck/index.js';
export * from './methods/ia3/index.js';
export * from './methods/ln-tuning/index.js';
export * from './methods/loha/index.js';
export * from './methods/lokr/index.js';
// Built-in methods register themselves on import.
export * from './methods/lora/index.js';
export * from './methods/prefix-tuning/index.js';
export * from './methods/prompt-tuning/index.js';
export * from './methods/selective/index.js';
export * from './methods/vera/index.js';
export { getModelState, setModelState } from './model-state.js';
export { ModulesToSaveWrapper } from './modules-to-save.js';
export { getPeftModel, PeftModel, type PeftModelOptions } from './peft-model.js';
export {
  checkPlacement,
  definePlacement,
  type Placement,
  type PlacementSpec,
  type RoleTarget,
  resolveRole,
} from './placement.js';
export {
  getPeftMethod,
  hasPeftMethod,
  listPeftMethods,
  type PeftMethodLookup,
  registeredPeftMethods,
  registerPeftMethod,
} from './registry.js';
export {
  type CoreRole,
  defineRoles,
  describeRole,
  isCoreRole,
  PLUGIN_ROLE_PATTERN,
  type PluginRole,
  ROLE_NAME_PATTERN,
  ROLE_NAMES,
  ROLES,
  type Role,
  type RoleDeclarations,
  roleDeclarationProblems,
  roleName,
} from './roles.js';
export {
  candidateModules,
  layerIndexOf,
  matchesNameOrSuffix,
  noTargetsError,
  patternValue,
  resolveTargets,
  type TargetMatch,
  type TargetResolution,
  type TargetSpec,
  unwrapBase,
  warnUnmatched,
} from './targets.js';
export {
  adapterLayerParameters,
  adapterLayers,
  checkTarget,
  defineTunerMethod,
  injectAdapter,
  type LayerFactory,
  layerFactory,
  type TunerMethodSpec,
} from './tuner.js';
