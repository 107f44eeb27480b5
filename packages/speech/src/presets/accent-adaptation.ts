import type { Preset } from '@peftkit/core';
import { PRESET_FRONT_END, SMALL_SPEECH_ENCODER } from './small-encoder.js';

/**
 * `speech/accent-adaptation`: adapt a speech recogniser to an accent with LoRA. Common Voice
 * style data (`speech/common-voice`: a TSV with `path`, `sentence`, `accents`, ... and `clips/`,
 * or a locale folder; filter with `data.options.accents`), transcripts lowercased without
 * punctuation, the CTC head (`speech/ctc`, vocabulary = the characters of the training
 * sentences, or the base's `vocab.json` via `data.options.vocabulary`), LoRA r=8 on attn.q and
 * attn.v of the encoder with `lm_head` trained whole, metrics CER and WER.
 *
 * Without `--base` it builds a small `speech/conv-transformer` on 40 fbank bins (useful only after
 * pretraining it: `peftkit pretrain` or `--peft full` on source-accent data). With `--base` an HF
 * wav2vec2/HuBERT/Whisper directory (or a peftkit checkpoint) is used as is: the architecture
 * follows its `config.json` and the input its `preprocessor_config.json` (`speech/audio`).
 */
export const accentAdaptationPreset: Preset = {
  id: 'speech/accent-adaptation',
  domain: 'speech',
  task: 'speech-recognition',
  description:
    'accent adaptation of a CTC recogniser: Common Voice TSV + clips/, LoRA r=8 on attn.q/attn.v, CER/WER. Small conv-transformer without --base; HF wav2vec2/Whisper dirs with --base.',
  config: {
    data: {
      reader: 'speech/common-voice',
      options: { normalizeText: 'letters' },
      evalFraction: 0.1,
      sampling: 'group-by-length',
    },
    preprocess: {
      id: 'speech/audio',
      options: {
        ...PRESET_FRONT_END,
        specAugment: {
          numFreqMasks: 2,
          freqMaskParam: 8,
          numTimeMasks: 2,
          timeMaskParam: 20,
          timeMaskMaxProportion: 0.2,
        },
      },
    },
    model: { architecture: 'speech/conv-transformer', config: { ...SMALL_SPEECH_ENCODER } },
    head: { id: 'speech/ctc' },
    peft: { peftType: 'LORA', r: 8, loraAlpha: 16, loraDropout: 0.05, targetRoles: ['attn.q', 'attn.v'] },
    training: {
      epochs: 10,
      batchSize: 8,
      lr: 1e-3,
      weightDecay: 0.01,
      warmupRatio: 0.1,
      metrics: ['cer', 'wer'],
    },
  },
};
