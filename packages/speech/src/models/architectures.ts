import type { Architecture } from '@peftkit/core';
import { convTransformerArchitecture } from './conv-transformer/architecture.js';
import { hubertArchitecture, wav2vec2Architecture } from './wav2vec2/architecture.js';
import { whisperArchitecture } from './whisper/architecture.js';

/** Every speech architecture, for the plugin to bind (`bind(Architecture).toConstantValue(a)`). */
export const speechArchitectures: readonly Architecture[] = [
  whisperArchitecture,
  wav2vec2Architecture,
  hubertArchitecture,
  convTransformerArchitecture,
];
