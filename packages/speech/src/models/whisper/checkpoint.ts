import { type AnyModule, saveCheckpoint } from '@peftkit/core';
import { type LoadedSpeechBase, loadSpeechBase } from '../common/base-checkpoint.js';
import { type WhisperConfig, whisperConfigFileSchema } from './config.js';
import { WhisperEncoder } from './model.js';

/** Where HF files hold the encoder: full models, `WhisperModel` / audio classification, encoder-only. */
export const WHISPER_ENCODER_PREFIXES = ['model.encoder.', 'encoder.', ''] as const;

/**
 * Reads a Whisper checkpoint directory (model_type `whisper`) into a `WhisperEncoder`: a full
 * `WhisperForConditionalGeneration` (`model.encoder.*`), a `WhisperModel` or
 * `WhisperForAudioClassification` (`encoder.*`), or an encoder-only file (unprefixed keys). The
 * decoder, `proj_out` and classifier tensors are not loaded; their names come back in `ignored`.
 *
 * @example const { model, ignored } = await loadWhisperEncoder('models/whisper-tiny');
 */
export function loadWhisperEncoder(dir: string): Promise<LoadedSpeechBase<WhisperConfig>> {
  return loadSpeechBase(dir, {
    modelTypes: ['whisper'],
    configSchema: whisperConfigFileSchema,
    prefixes: WHISPER_ENCODER_PREFIXES,
    build: (config) => new WhisperEncoder(config),
  });
}

/**
 * Writes the encoder as HF's `WhisperModel` would store its encoder half: keys `encoder.*`
 * (PyTorch layout) and the encoder fields of `WhisperConfig`. HF loads it into
 * `WhisperForAudioClassification`, or into `WhisperModel` with a fresh decoder.
 */
export async function saveWhisperEncoder(
  dir: string,
  model: AnyModule,
  config: WhisperConfig,
): Promise<void> {
  if (!(model instanceof WhisperEncoder)) {
    throw new Error(`saveWhisperEncoder: expected a WhisperEncoder, got ${model.typeName}`);
  }
  await saveCheckpoint(
    dir,
    model,
    { ...config, architectures: ['WhisperForAudioClassification'] },
    {
      prefix: 'encoder',
    },
  );
}
