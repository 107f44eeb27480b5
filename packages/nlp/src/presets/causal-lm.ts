import type { Preset } from '@peftkit/core';

/** A small GPT-2 for presets used without `--base`. */
export const SMALL_GPT2 = { n_embd: 128, n_layer: 2, n_head: 2, n_positions: 256 } as const;

/**
 * `nlp/causal-lm`: adapt a GPT-2 to a text corpus with LoRA r=8 on the fused attn.qkv (`c_attn`,
 * `fan_in_fan_out` as HF PEFT sets for Conv1D); evaluated by perplexity, predictions are
 * generated continuations. Bring a corpus (`--data corpus/`) and a GPT-2 checkpoint (`--base`,
 * whose directory holds vocab.json + merges.txt: set `preprocess.options.tokenizer` to it).
 */
export const causalLmPreset: Preset = {
  id: 'nlp/causal-lm',
  domain: 'nlp',
  task: 'causal-lm',
  description:
    'GPT-2 language modelling on your corpus: LoRA r=8 on attn.qkv (c_attn), perplexity, generation on predict',
  config: {
    data: { reader: 'nlp/corpus', options: { split: 'paragraph' }, evalFraction: 0.1 },
    preprocess: { id: 'nlp/tokenizer', options: { maxLength: 256, objective: 'causal-lm' } },
    model: { architecture: 'gpt2', config: { ...SMALL_GPT2 } },
    head: { id: 'nlp/causal-lm', config: { maxNewTokens: 40 } },
    peft: {
      peftType: 'LORA',
      r: 8,
      loraAlpha: 16,
      loraDropout: 0.05,
      targetRoles: ['attn.qkv'],
      fanInFanOut: true,
    },
    training: { epochs: 3, batchSize: 8, lr: 5e-4, warmupRatio: 0.06, metrics: ['perplexity'] },
  },
};
