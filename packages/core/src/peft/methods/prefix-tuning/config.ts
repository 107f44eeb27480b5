import { z } from 'zod';
import { type ConfigInput, type ConfigSpec, defineConfig, type PeftConfig } from '../../config.js';
import { dropTargetModules, promptLearningShape } from '../prompt-tuning/config.js';

const base = defineConfig(
  'PREFIX_TUNING',
  {
    ...promptLearningShape,
    /** Reparameterise the prefix through an MLP while training (Li & Liang's trick). */
    prefixProjection: z.boolean().default(false),
    /** Hidden width of that MLP; required with `prefixProjection`. */
    encoderHiddenSize: z.number().int().positive().optional(),
    /** HF's `init_weights`: `'zero'` starts the prefix (or the MLP's last layer) at zero; default random. */
    initWeights: z.enum(['zero']).optional(),
  },
  (config, ctx) => {
    if (config.prefixProjection && config.encoderHiddenSize === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['encoderHiddenSize'],
        message: 'required when prefixProjection is true (the hidden width of the reparameterisation MLP)',
      });
    }
  },
);

export type PrefixTuningConfig = ReturnType<typeof base.parse>;

/** What `getPeftModel` accepts for PREFIX_TUNING (`peftType: 'PREFIX_TUNING'`). */
export type PrefixTuningConfigInput = ConfigInput<typeof base>;

/**
 * Prefix tuning options with HF's names and defaults (`prefix_projection`, `encoder_hidden_size`,
 * `num_virtual_tokens`, `token_dim`, `num_layers`, `num_attention_heads`, `init_weights`); files
 * carry no `target_modules`, as in HF.
 */
export const prefixTuningConfig: ConfigSpec<PrefixTuningConfig & PeftConfig, PrefixTuningConfigInput> = {
  ...base,
  toFile: (config, extraFileKeys) => dropTargetModules(base.toFile(config, extraFileKeys)),
};
