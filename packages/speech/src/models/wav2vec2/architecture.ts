import type { Architecture } from '@peftkit/core';
import { loadHubert, loadWav2Vec2, saveWav2Vec2Family } from './checkpoint.js';
import {
  type HubertConfig,
  hubertConfigSchema,
  type Wav2Vec2Config,
  wav2vec2ConfigSchema,
} from './config.js';
import { HubertModel, Wav2Vec2Model } from './model.js';
import { wav2vec2Placement } from './placement.js';

/**
 * `wav2vec2`: wav2vec 2.0 / XLS-R / MMS (HF `Wav2Vec2Model` names) on raw 16 kHz waveforms,
 * post-norm or stable-layer-norm, with MMS adapter layers when `adapter_attn_dim` is set.
 */
export const wav2vec2Architecture: Architecture<Wav2Vec2Config> = {
  id: 'wav2vec2',
  description:
    'wav2vec 2.0 / XLS-R / MMS encoder (HF names; reads Wav2Vec2Model and Wav2Vec2ForCTC checkpoints) on raw waveforms',
  modelTypes: ['wav2vec2'],
  configSchema: wav2vec2ConfigSchema,
  build: (config) => new Wav2Vec2Model(config),
  async loadCheckpoint(dir) {
    const { model, config } = await loadWav2Vec2(dir);
    return { model, config };
  },
  saveCheckpoint: saveWav2Vec2Family,
  placement: (config) => wav2vec2Placement(config),
  outputFeatures: (config) => config.hidden_size,
};

/** `hubert`: HuBERT (HF `HubertModel` names, the wav2vec2 layout) on raw 16 kHz waveforms. */
export const hubertArchitecture: Architecture<HubertConfig> = {
  id: 'hubert',
  description: 'HuBERT encoder (HF names; reads HubertModel and HubertForCTC checkpoints) on raw waveforms',
  modelTypes: ['hubert'],
  configSchema: hubertConfigSchema,
  build: (config) => new HubertModel(config),
  async loadCheckpoint(dir) {
    const { model, config } = await loadHubert(dir);
    return { model, config };
  },
  saveCheckpoint: saveWav2Vec2Family,
  placement: (config) => wav2vec2Placement(config),
  outputFeatures: (config) => config.hidden_size,
};
