import type { AdaloraConfigInput } from './methods/adalora/config.js';
import type { BitfitConfigInput } from './methods/bitfit/config.js';
import type { BottleneckConfigInput } from './methods/bottleneck/config.js';
import type { Ia3ConfigInput } from './methods/ia3/config.js';
import type { LnTuningConfigInput } from './methods/ln-tuning/config.js';
import type { LohaConfigInput } from './methods/loha/config.js';
import type { LokrConfigInput } from './methods/lokr/config.js';
import type { LoraConfigInput } from './methods/lora/config.js';
import type { PrefixTuningConfigInput } from './methods/prefix-tuning/config.js';
import type { PromptTuningConfigInput } from './methods/prompt-tuning/config.js';
import type { SelectiveConfigInput } from './methods/selective/config.js';
import type { VeraConfigInput } from './methods/vera/config.js';

/**
 * The typed config of every PEFT method, by `peftType`. `getPeftModel`, `addAdapter` and run
 * configs (`peft`) take `PeftConfigInput`, the union of its values, discriminated on `peftType`,
 * so editors complete a method's fields and reject misspelled ones.
 *
 * A plugin that contributes a method adds its config here by declaration merging, which keeps
 * that check for its users too:
 *
 * @example
 * declare module '@peftkit/core' {
 *   interface PeftConfigMap {
 *     FEATURE_AFFINE: FeatureAffineConfigInput;
 *   }
 * }
 *
 * There is deliberately no open `{ peftType: string }` member: TypeScript cannot exclude the
 * known literals from `string`, so such a member would accept every typo in every method. Configs
 * built at run time (JSON, CLI flags) are validated by the method's schema anyway; cast them
 * (`as PeftConfigInput`) where they enter.
 */
export interface PeftConfigMap {
  ADALORA: AdaloraConfigInput;
  BITFIT: BitfitConfigInput;
  BOTTLENECK: BottleneckConfigInput;
  IA3: Ia3ConfigInput;
  LN_TUNING: LnTuningConfigInput;
  LOHA: LohaConfigInput;
  LOKR: LokrConfigInput;
  LORA: LoraConfigInput;
  PREFIX_TUNING: PrefixTuningConfigInput;
  PROMPT_TUNING: PromptTuningConfigInput;
  SELECTIVE: SelectiveConfigInput;
  VERA: VeraConfigInput;
}

/** A PEFT config as users write it: one member of `PeftConfigMap` per method. */
export type PeftConfigInput = PeftConfigMap[keyof PeftConfigMap];
