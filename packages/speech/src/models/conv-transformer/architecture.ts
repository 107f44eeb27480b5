import type { Architecture } from '@peftkit/core';
import { loadConvTransformer, saveConvTransformer } from './checkpoint.js';
import { CONV_TRANSFORMER_TYPE, type ConvTransformerConfig, convTransformerConfigSchema } from './config.js';
import { ConvTransformerEncoder } from './model.js';
import { convTransformerPlacement } from './placement.js';

/**
 * `speech/conv-transformer`: a small encoder (conv subsampling x4 + pre-norm transformer, d=144,
 * 4 layers by default) on log-mel / fbank features `[B, mels, frames]`, for bases pretrained
 * with peftkit itself.
 */
export const convTransformerArchitecture: Architecture<ConvTransformerConfig> = {
  id: CONV_TRANSFORMER_TYPE,
  description:
    'small from-scratch speech encoder: 2 stride-2 convs + pre-norm transformer on [B, mels, frames]',
  configSchema: convTransformerConfigSchema,
  build: (config) => new ConvTransformerEncoder(config),
  async loadCheckpoint(dir) {
    const { model, config } = await loadConvTransformer(dir);
    return { model, config };
  },
  saveCheckpoint: saveConvTransformer,
  placement: () => convTransformerPlacement,
  outputFeatures: (config) => config.d_model,
};
