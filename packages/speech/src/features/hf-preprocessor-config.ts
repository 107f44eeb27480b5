import { camelToSnake, snakeToCamel, UserError } from '@peftkit/core';
import { parseConfig } from './parse-config.js';
import { type Wav2Vec2FeatureConfig, wav2vec2FeatureConfig } from './wav2vec2-config.js';
import {
  type WhisperFeatureConfig,
  whisperChunkFrames,
  whisperChunkSamples,
  whisperFeatureConfig,
} from './whisper-config.js';

/** A feature extractor read from a Hugging Face `preprocessor_config.json`. */
export type HfFeatureExtractor =
  | { readonly type: 'WhisperFeatureExtractor'; readonly config: WhisperFeatureConfig }
  | { readonly type: 'Wav2Vec2FeatureExtractor'; readonly config: Wav2Vec2FeatureConfig };

type Json = Readonly<Record<string, unknown>>;

/** Fields HF writes that describe the processor, not the features: accepted and not used. */
const INFORMATIONAL = ['feature_extractor_type', 'processor_class'];

function asObject(json: unknown, where: string): Json {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new UserError(`${where}: expected a JSON object`);
  }
  return json as Json;
}

/** Splits `json` into the schema's fields (camelCase) and refuses any key nobody handles. */
function pick(
  json: Json,
  mapped: readonly string[],
  handled: readonly string[],
  where: string,
): Record<string, unknown> {
  const known = new Set([...mapped, ...handled, ...INFORMATIONAL]);
  const unsupported = Object.keys(json).filter((k) => !known.has(k));
  if (unsupported.length > 0) {
    throw new UserError(
      `${where}: unsupported field${unsupported.length > 1 ? 's' : ''} ${unsupported.join(', ')} (supported: ${[...known].sort().join(', ')})`,
    );
  }
  const out: Record<string, unknown> = {};
  for (const k of mapped) if (json[k] !== undefined) out[snakeToCamel(k)] = json[k];
  return out;
}

function expectType(json: Json, type: HfFeatureExtractor['type'], where: string): void {
  const found = json['feature_extractor_type'];
  if (found !== undefined && found !== type) {
    throw new UserError(`${where}: feature_extractor_type is ${JSON.stringify(found)}, expected "${type}"`);
  }
}

function expectRightPadding(json: Json, where: string): void {
  const side = json['padding_side'];
  if (side !== undefined && side !== 'right') {
    throw new UserError(`${where}: padding_side ${JSON.stringify(side)} is not supported (only "right")`);
  }
}

/**
 * Reads HF `WhisperFeatureExtractor` fields. `n_samples` and `nb_max_frames` must agree with
 * `chunk_length`, `sampling_rate` and `hop_length`; a legacy `mel_filters` array is checked for
 * shape and then recomputed (as HF itself does); unknown fields are an error naming them.
 */
export function whisperConfigFromHf(json: unknown, where = 'preprocessor_config.json'): WhisperFeatureConfig {
  const o = asObject(json, where);
  expectType(o, 'WhisperFeatureExtractor', where);
  expectRightPadding(o, where);
  const mapped = [
    'feature_size',
    'sampling_rate',
    'n_fft',
    'hop_length',
    'chunk_length',
    'padding_value',
    'dither',
  ];
  const handled = ['n_samples', 'nb_max_frames', 'padding_side', 'return_attention_mask', 'mel_filters'];
  const config = parseConfig(whisperFeatureConfig, pick(o, mapped, handled, where), where, true);
  const derived = { n_samples: whisperChunkSamples(config), nb_max_frames: whisperChunkFrames(config) };
  for (const [key, want] of Object.entries(derived)) {
    if (o[key] !== undefined && o[key] !== want) {
      throw new UserError(
        `${where}: ${key} is ${JSON.stringify(o[key])} but chunk_length, sampling_rate and hop_length give ${want}`,
      );
    }
  }
  const filters = o['mel_filters'];
  if (filters !== undefined) {
    const bins = config.nFft / 2 + 1;
    const ok =
      Array.isArray(filters) &&
      filters.length === bins &&
      filters.every((row) => Array.isArray(row) && row.length === config.featureSize);
    if (!ok)
      throw new UserError(`${where}: mel_filters must be ${bins} rows of ${config.featureSize} weights`);
  }
  return Object.freeze(config);
}

/** Reads HF `Wav2Vec2FeatureExtractor` fields; unknown fields are an error naming them. */
export function wav2vec2ConfigFromHf(
  json: unknown,
  where = 'preprocessor_config.json',
): Wav2Vec2FeatureConfig {
  const o = asObject(json, where);
  expectType(o, 'Wav2Vec2FeatureExtractor', where);
  expectRightPadding(o, where);
  const mapped = ['feature_size', 'sampling_rate', 'padding_value', 'do_normalize', 'return_attention_mask'];
  return Object.freeze(
    parseConfig(wav2vec2FeatureConfig, pick(o, mapped, ['padding_side'], where), where, true),
  );
}

/**
 * Reads a Hugging Face `preprocessor_config.json` object of a Whisper or wav2vec2-family model,
 * dispatching on `feature_extractor_type`.
 *
 * @example
 * const hf = fromHfPreprocessorConfig(JSON.parse(await readFile(path, 'utf8')), path);
 * if (hf.type === 'WhisperFeatureExtractor') new WhisperLogMel(hf.config);
 */
export function fromHfPreprocessorConfig(
  json: unknown,
  where = 'preprocessor_config.json',
): HfFeatureExtractor {
  const o = asObject(json, where);
  const type = o['feature_extractor_type'];
  if (type === 'WhisperFeatureExtractor') return { type, config: whisperConfigFromHf(o, where) };
  if (type === 'Wav2Vec2FeatureExtractor') return { type, config: wav2vec2ConfigFromHf(o, where) };
  throw new UserError(
    `${where}: feature_extractor_type ${JSON.stringify(type)} is not supported (expected "WhisperFeatureExtractor" or "Wav2Vec2FeatureExtractor")`,
  );
}

function snakeKeys(config: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [camelToSnake(k), v]));
}

/** The HF `preprocessor_config.json` object of a Whisper config (`padToChunk` is HF's default and not written). */
export function whisperConfigToHf(config: WhisperFeatureConfig): Record<string, unknown> {
  const { padToChunk: _padToChunk, ...fields } = config;
  return {
    feature_extractor_type: 'WhisperFeatureExtractor',
    ...snakeKeys(fields),
    n_samples: whisperChunkSamples(config),
    nb_max_frames: whisperChunkFrames(config),
    padding_side: 'right',
    return_attention_mask: false,
  };
}

/** The HF `preprocessor_config.json` object of a wav2vec2 config. */
export function wav2vec2ConfigToHf(config: Wav2Vec2FeatureConfig): Record<string, unknown> {
  return { feature_extractor_type: 'Wav2Vec2FeatureExtractor', ...snakeKeys(config), padding_side: 'right' };
}
