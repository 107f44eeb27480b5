import { z } from 'zod';
import { type ConfigInput, type ConfigSpec, defineConfig, type PeftConfig } from '../../config.js';

/**
 * Fields HF's `PromptLearningConfig` shares between prompt and prefix tuning. `tokenDim`,
 * `numLayers` and `numAttentionHeads` are inferred from the model when omitted and checked
 * against it when given.
 */
export const promptLearningShape = {
  numVirtualTokens: z.number().int().positive(),
  tokenDim: z.number().int().positive().optional(),
  /**
   * HF's `num_transformer_submodules`: 2 for encoder-decoders (HF task `SEQ_2_SEQ_LM`), else 1.
   * Omitted, the placement's `transformerSubmodules` decides (else 1); the file states it.
   */
  numTransformerSubmodules: z
    .union([z.literal(1), z.literal(2)], {
      error: 'expected 1 (one stack) or 2 (encoder-decoder, as HF sets for SEQ_2_SEQ_LM)',
    })
    .optional(),
  numAttentionHeads: z.number().int().positive().optional(),
  numLayers: z.number().int().positive().optional(),
} as const;

/**
 * Prompt-learning files state no `target_modules` in HF PEFT (the adapter sits on the model's
 * input embeddings, not on named modules); peftkit keeps the resolved path in `peftkit.json`.
 */
export function dropTargetModules(out: Record<string, unknown>): Record<string, unknown> {
  const { target_modules: _dropped, ...rest } = out;
  return rest;
}

const INIT_ERROR =
  "expected 'random' or 'tokens' (HF's 'TEXT' needs a tokenizer, which core does not have: tokenize the " +
  "text yourself and pass promptTuningInit: 'tokens' with promptTuningInitTokenIds)";

const base = defineConfig(
  'PROMPT_TUNING',
  {
    ...promptLearningShape,
    promptTuningInit: z.enum(['random', 'tokens'], { error: INIT_ERROR }).default('random'),
    promptTuningInitTokenIds: z.array(z.number().int().nonnegative()).min(1).optional(),
  },
  (config, ctx) => {
    if (config.promptTuningInit === 'tokens' && !config.promptTuningInitTokenIds) {
      ctx.addIssue({
        code: 'custom',
        path: ['promptTuningInitTokenIds'],
        message: "required with promptTuningInit 'tokens' (the ids whose embeddings start the prompt)",
      });
    }
    if (config.promptTuningInit !== 'tokens' && config.promptTuningInitTokenIds) {
      ctx.addIssue({
        code: 'custom',
        path: ['promptTuningInitTokenIds'],
        message: "only used with promptTuningInit 'tokens'",
      });
    }
  },
);

export type PromptTuningConfig = ReturnType<typeof base.parse>;

/** What `getPeftModel` accepts for PROMPT_TUNING (`peftType: 'PROMPT_TUNING'`). */
export type PromptTuningConfigInput = ConfigInput<typeof base>;

/**
 * Prompt tuning options, HF names in the file. `promptTuningInit` maps to HF's
 * `prompt_tuning_init`: `'random'` <-> `"RANDOM"`; `'tokens'` is written as `"RANDOM"` plus
 * `prompt_tuning_init_token_ids` (an extra key HF ignores; the init no longer matters once the
 * prompt is trained), or as `"TEXT"` when the file also carries HF's `prompt_tuning_init_text`
 * and `tokenizer_name_or_path`. Reading, `"RANDOM"` / `"TEXT"` become `'tokens'` when token ids
 * are present, else `'random'` (a saved prompt's weights replace any init).
 */
export const promptTuningConfig: ConfigSpec<PromptTuningConfig & PeftConfig, PromptTuningConfigInput> = {
  ...base,
  fromFile(json, source) {
    const init = json['prompt_tuning_init'];
    const normalised =
      typeof init === 'string' && ['RANDOM', 'TEXT'].includes(init.toUpperCase())
        ? json['prompt_tuning_init_token_ids']
          ? 'tokens'
          : 'random'
        : init;
    return base.fromFile({ ...json, prompt_tuning_init: normalised }, source);
  },
  toFile(config, extraFileKeys = {}) {
    const out = dropTargetModules(base.toFile(config, extraFileKeys));
    const hasText = typeof extraFileKeys['prompt_tuning_init_text'] === 'string';
    const hasTokenizer = typeof extraFileKeys['tokenizer_name_or_path'] === 'string';
    out['prompt_tuning_init'] = hasText && hasTokenizer ? 'TEXT' : 'RANDOM';
    return out;
  },
};
