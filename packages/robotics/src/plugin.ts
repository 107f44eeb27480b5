import {
  Architecture,
  ContainerModule,
  DatasetReader,
  definePlugin,
  Evaluator,
  Head,
  PlacementContribution,
  Preprocessor,
  Preset,
} from '@peftkit/core';
import { episodeReaders } from './data/episode-readers.js';
import { actionHeads } from './heads/action-heads.js';
import { mlpPolicyArchitecture, transformerPolicyArchitecture } from './models/architectures.js';
import {
  mlpPolicyPlacementDefaults,
  transformerPolicyPlacementDefaults,
} from './models/placement-defaults.js';
import { policyInputPreprocessor } from './preprocess/policy-input.js';
import { behaviorCloningPreset, dynamicsShiftPreset, newGoalPreset } from './presets/index.js';
import { rolloutEvaluator } from './rollout/rollout-evaluator.js';

/**
 * The `@peftkit/robotics` plugin: episode readers (LeRobot, robomimic, npz, JSONL), the
 * `robotics/policy-input` preprocessor, MLP and transformer policies with their placements, the
 * deterministic / Gaussian / binned action heads, the `robotics/*` presets and the
 * `robotics/rollout` evaluator (the policy acting in a MuJoCo env).
 */
export const roboticsPlugin = definePlugin({
  id: 'robotics',
  version: '0.1.0',
  domain: 'robotics',
  description:
    'robot policies: LeRobot/robomimic episodes, MLP and transformer policies, action heads, behaviour cloning',
  module: new ContainerModule(({ bind }) => {
    for (const r of episodeReaders) bind(DatasetReader).toConstantValue(r);
    bind(Preprocessor).toConstantValue(policyInputPreprocessor);
    for (const a of [mlpPolicyArchitecture, transformerPolicyArchitecture])
      bind(Architecture).toConstantValue(a);
    for (const p of [mlpPolicyPlacementDefaults, transformerPolicyPlacementDefaults])
      bind(PlacementContribution).toConstantValue(p);
    for (const h of actionHeads) bind(Head).toConstantValue(h);
    for (const p of [behaviorCloningPreset, dynamicsShiftPreset, newGoalPreset])
      bind(Preset).toConstantValue(p);
    bind(Evaluator).toConstantValue(rolloutEvaluator);
  }),
});

export default roboticsPlugin;
