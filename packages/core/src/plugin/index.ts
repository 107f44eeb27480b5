/**
 * The plugin host: contribution identifiers and interfaces (the contract a domain plugin
 * implements), the `DomainPlugin` descriptor, `createPeftkit` / `discoverPlugins`, run configs
 * (preset < file < flags), and the run engine that composes contributions into training,
 * evaluation, prediction, merging and inspection. Core stays domain-free: it never looks inside
 * examples, batches or model outputs.
 */

/**
 * The schema library of the contract (`configSchema`, `optionsSchema`). Plugins import it from
 * here so their schemas come from the same zod as core's, whatever zod they may also install.
 */
export { z } from 'zod';
export { Architecture, type ArchitectureHfInterop, hfClassName, type LoadedBase } from './architecture.js';
export { headsDivideWidth } from './config-checks.js';
export {
  CONTRIBUTION_KINDS,
  CONTRIBUTION_POINTS,
  type ContributionKind,
  type ContributionPoint,
  type Contributions,
} from './contribution-points.js';
export { type Attributed, ContributionCollector, type LoadedPlugin } from './contributions.js';
export { DatasetReader, type ReadOptions, type ReadResult, type SourceSplits } from './dataset-reader.js';
export type { DeclaredRole } from './declared-roles.js';
export {
  type DiscoverOptions,
  type DiscoveryResult,
  discoverPlugins,
  findPluginPackages,
} from './discover-plugins.js';
export { ContainerModule, type DomainPlugin, definePlugin, pluginProblems } from './domain-plugin.js';
export {
  type EvaluationResult,
  Evaluator,
  type EvaluatorContext,
  type EvaluatorFile,
} from './evaluator.js';
export {
  Head,
  type HeadBuildArgs,
  type HeadContext,
  type HeadedModel,
  type HeadHfInterop,
  headForward,
  type PredictContext,
  type Prediction,
  savedHeadConfig,
} from './head.js';
export { isPlainObject, type JsonObject, type JsonValue } from './json.js';
export { describeUnseen, type IndexedLabels, indexLabels, sortLabels } from './labels.js';
export {
  type DiscoveredPlugin,
  importPlugin,
  isPluginFailure,
  loadPluginFrom,
  type PluginPackage,
} from './load-plugin.js';
export { MetricContribution } from './metric-contribution.js';
export { PeftMethodContribution } from './peft-method-contribution.js';
export {
  type CreatePeftkitOptions,
  createPeftkit,
  PeftkitHost,
  type PluginInput,
  PluginLoadError,
} from './peftkit-host.js';
export { PlacementContribution, type PlacementDefault } from './placement-contribution.js';
export type { PluginFailure, PluginSource } from './plugin-source.js';
export {
  type EncodeContext,
  type FitContext,
  type ModelBatch,
  Preprocessor,
  type PreprocessorContext,
  type PreprocessorInstance,
} from './preprocessor.js';
export { Preset } from './preset.js';
export { Registry, UnknownContributionError } from './registry.js';
export * from './run/index.js';
export * from './run-config/index.js';
export { UserError } from './user-error.js';
export { PEFTKIT_VERSION } from './version.js';
