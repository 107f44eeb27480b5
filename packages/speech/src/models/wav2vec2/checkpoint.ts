import { type AnyModule, saveCheckpoint } from '@peftkit/core';
import { type LoadedSpeechBase, loadSpeechBase } from '../common/base-checkpoint.js';
import {
  type HubertConfig,
  hubertConfigFileSchema,
  type Wav2Vec2Config,
  type Wav2Vec2FamilyConfig,
  wav2vec2ConfigFileSchema,
} from './config.js';
import { HubertModel, Wav2Vec2Model } from './model.js';

/** The newer (torch >= 2.1 parametrizations) names of the positional conv's weight-norm tensors. */
const PARAMETRIZED = /^(.*)\.parametrizations\.weight\.original([01])$/;

/** Maps `...conv.parametrizations.weight.original0/1` to the legacy `...conv.weight_g/weight_v`. */
export function legacyWeightNormKey(key: string): string {
  const m = PARAMETRIZED.exec(key);
  return m ? `${m[1]}.${m[2] === '0' ? 'weight_g' : 'weight_v'}` : key;
}

function hasMaskedSpecEmbedKey(keys: ReadonlySet<string>): boolean {
  for (const k of keys) if (k === 'masked_spec_embed' || k.endsWith('.masked_spec_embed')) return true;
  return false;
}

/**
 * Reads a wav2vec2 checkpoint directory (model_type `wav2vec2`): a `Wav2Vec2Model` (bare keys) or a
 * task model such as `Wav2Vec2ForCTC` (keys under `wav2vec2.`; `lm_head.*` and other head tensors
 * are not loaded and come back in `ignored`). Both weight-norm spellings of the positional conv
 * load. `masked_spec_embed` is built when the file has it.
 *
 * @example const { model } = await loadWav2Vec2('models/wav2vec2-base-960h');
 */
export function loadWav2Vec2(dir: string): Promise<LoadedSpeechBase<Wav2Vec2Config>> {
  return loadSpeechBase(dir, {
    modelTypes: ['wav2vec2'],
    configSchema: wav2vec2ConfigFileSchema,
    prefixes: ['wav2vec2.', ''],
    rename: legacyWeightNormKey,
    build: (config, keys) => new Wav2Vec2Model(config, { maskedSpecEmbed: hasMaskedSpecEmbedKey(keys) }),
  });
}

/** Reads a HuBERT checkpoint directory (model_type `hubert`; task models under `hubert.`). */
export function loadHubert(dir: string): Promise<LoadedSpeechBase<HubertConfig>> {
  return loadSpeechBase(dir, {
    modelTypes: ['hubert'],
    configSchema: hubertConfigFileSchema,
    prefixes: ['hubert.', ''],
    rename: legacyWeightNormKey,
    build: (config, keys) => new HubertModel(config, { maskedSpecEmbed: hasMaskedSpecEmbedKey(keys) }),
  });
}

/**
 * Writes the model as HF's `Wav2Vec2Model` / `HubertModel.save_pretrained` does: bare keys in
 * PyTorch layout, the positional conv as `weight_g` / `weight_v` (which every HF version reads).
 */
export async function saveWav2Vec2Family(
  dir: string,
  model: AnyModule,
  config: Wav2Vec2FamilyConfig,
): Promise<void> {
  if (!(model instanceof Wav2Vec2Model)) {
    throw new Error(`saveWav2Vec2: expected a Wav2Vec2Model or HubertModel, got ${model.typeName}`);
  }
  const architectures = [config.model_type === 'hubert' ? 'HubertModel' : 'Wav2Vec2Model'];
  await saveCheckpoint(dir, model, { ...config, architectures });
}
