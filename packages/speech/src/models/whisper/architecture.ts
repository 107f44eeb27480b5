import type { Architecture } from '@peftkit/core';
import { loadWhisperEncoder, saveWhisperEncoder } from './checkpoint.js';
import { type WhisperConfig, whisperConfigSchema } from './config.js';
import { WhisperEncoder } from './model.js';
import { whisperPlacement } from './placement.js';

/**
 * `whisper`: the Whisper encoder (HF `WhisperEncoder` names) on log-mel features `[B, mels,
 * frames]`, read from full Whisper checkpoints (decoder ignored) or encoder-only ones.
 */
export const whisperArchitecture: Architecture<WhisperConfig> = {
  id: 'whisper',
  description:
    'Whisper encoder (HF names; reads whisper-* checkpoints, decoder ignored) on log-mel [B, mels, frames]',
  modelTypes: ['whisper'],
  configSchema: whisperConfigSchema,
  build: (config) => new WhisperEncoder(config),
  async loadCheckpoint(dir) {
    const { model, config } = await loadWhisperEncoder(dir);
    return { model, config };
  },
  saveCheckpoint: saveWhisperEncoder,
  placement: () => whisperPlacement,
  outputFeatures: (config) => config.d_model,
};
