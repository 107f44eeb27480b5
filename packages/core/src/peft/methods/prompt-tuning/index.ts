import { registerPeftMethod } from '../../registry.js';
import { promptTuningMethod } from './method.js';

export {
  dropTargetModules,
  type PromptTuningConfig,
  type PromptTuningConfigInput,
  promptLearningShape,
  promptTuningConfig,
} from './config.js';
export {
  PromptEmbedding,
  type PromptLayerSettings,
  PromptTuningLayer,
  withoutVirtualTokens,
} from './layer.js';
export { PROMPT_EMBEDDINGS_KEY, promptTuningMethod } from './method.js';
export { promptDefaultTargets, resolvePromptTargets } from './targets.js';

registerPeftMethod(promptTuningMethod);
