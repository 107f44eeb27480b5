import {
  Architecture,
  ContainerModule,
  DatasetReader,
  definePlugin,
  Head,
  MetricContribution,
  PlacementContribution,
  Preprocessor,
  Preset,
} from '@peftkit/core';
import { speechReaders } from './data/index.js';
import { ctcHead } from './heads/ctc-head.js';
import { utteranceClassificationHead } from './heads/utterance-classification-head.js';
import { cerMetric, werMetric } from './metrics/error-rate.js';
import { speechArchitectures } from './models/architectures.js';
import { speechPlacementDefaults } from './models/placement-defaults.js';
import { speechPreprocessors } from './preprocess/index.js';
import { speechPresets } from './presets/index.js';

/**
 * The `@peftkit/speech` plugin: the `speech/folder`, `speech/manifest` and `speech/common-voice`
 * readers, the `speech/audio`, `speech/log-mel` and `speech/waveform` preprocessors, the
 * `whisper`, `wav2vec2`, `hubert` and `speech/conv-transformer` encoders with their placements,
 * the `speech/ctc` and `speech/utterance-classification` heads, the `cer` and `wer` metrics, and
 * the `speech/*` presets.
 */
export const speechPlugin = definePlugin({
  id: 'speech',
  version: '0.1.0',
  domain: 'speech',
  description:
    'audio: WAV/MP3/FLAC/Ogg, fbank/log-mel/waveform input, Whisper/wav2vec2/HuBERT encoders (HF checkpoints), CTC and utterance heads, CER/WER',
  module: new ContainerModule(({ bind }) => {
    for (const r of speechReaders) bind(DatasetReader).toConstantValue(r);
    for (const p of speechPreprocessors) bind(Preprocessor).toConstantValue(p);
    for (const a of speechArchitectures) bind(Architecture).toConstantValue(a);
    for (const p of speechPlacementDefaults) bind(PlacementContribution).toConstantValue(p);
    for (const h of [ctcHead, utteranceClassificationHead]) bind(Head).toConstantValue(h);
    for (const m of [cerMetric, werMetric]) bind(MetricContribution).toConstantValue(m);
    for (const p of speechPresets) bind(Preset).toConstantValue(p);
  }),
});

export default speechPlugin;
