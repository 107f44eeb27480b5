import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import {
  type AnyDataset,
  type EncodeContext,
  type FitContext,
  type JsonValue,
  type Preprocessor,
  type PreprocessorInstance,
  readJsonObject,
  z,
} from '@peftkit/core';
import { AUDIO_MEDIA_TYPES, type AudioExample } from '../data/audio-example.js';
import { fromHfPreprocessorConfig } from '../features/hf-preprocessor-config.js';
import { LogMelPreprocessor, logMelOptions } from './log-mel-preprocessor.js';
import type { EncodedSpeech, SpeechBatch } from './speech-batch.js';
import type { SpeechPreprocessorBase } from './speech-preprocessor.js';
import { WaveformPreprocessor, waveformOptions } from './waveform-preprocessor.js';

export const audioPreprocessorOptions = logMelOptions.extend({
  /**
   * `auto` (default): the front end of the base checkpoint (its HF `preprocessor_config.json`:
   * Whisper log-mel or wav2vec2 waveform; a `wav2vec2`/`hubert` `config.json` without one means
   * waveform), else `log-mel` with these options. Or force `log-mel` / `waveform`.
   */
  input: z.enum(['auto', 'log-mel', 'waveform']).default('auto'),
  /** Waveform input: zero-mean unit-variance per utterance (HF `do_normalize`). */
  doNormalize: z.boolean().default(true),
  /** Waveform input: pass the sample mask (HF `return_attention_mask`). */
  returnAttentionMask: z.boolean().default(true),
});

export type AudioPreprocessorOptions = z.output<typeof audioPreprocessorOptions>;

/** The resolved front end, saved in `preprocessor.json` so eval and predict use the same one. */
type FrontEnd =
  | { readonly input: 'log-mel'; readonly options: Readonly<Record<string, unknown>> }
  | { readonly input: 'waveform'; readonly options: Readonly<Record<string, unknown>> };

const WAVEFORM_MODEL_TYPES = new Set(['wav2vec2', 'hubert']);

/**
 * `speech/audio` instance: a `speech/log-mel` or `speech/waveform` preprocessor chosen when the
 * run's base is known (`fit`) or restored (`loadState`). Options a base's
 * `preprocessor_config.json` fixes (mel bins, sampling rate, normalisation) come from the file.
 */
export class AudioPreprocessor implements PreprocessorInstance<AudioExample, EncodedSpeech, SpeechBatch> {
  private frontEnd: FrontEnd;
  private inner: SpeechPreprocessorBase<never>;

  constructor(
    readonly options: AudioPreprocessorOptions,
    private readonly labels: readonly string[] | undefined,
    private readonly log?: (line: string) => void,
  ) {
    this.frontEnd = this.ownFrontEnd(options.input === 'waveform' ? 'waveform' : 'log-mel');
    this.inner = this.build(this.frontEnd);
  }

  /** Which front end is in use. */
  get input(): 'log-mel' | 'waveform' {
    return this.frontEnd.input;
  }

  private ownFrontEnd(input: 'log-mel' | 'waveform'): FrontEnd {
    const { input: _input, doNormalize, returnAttentionMask, ...logMel } = this.options;
    if (input === 'log-mel') return { input, options: logMel };
    const { samplingRate, resample, maxSeconds, maxBytes, augment, target } = logMel;
    return {
      input,
      options: {
        samplingRate,
        resample,
        maxSeconds,
        maxBytes,
        target,
        doNormalize,
        returnAttentionMask,
        ...(augment ? { augment } : {}),
      },
    };
  }

  private build(f: FrontEnd): SpeechPreprocessorBase<never> {
    const made =
      f.input === 'log-mel'
        ? new LogMelPreprocessor(logMelOptions.parse(f.options), this.labels, this.log)
        : new WaveformPreprocessor(waveformOptions.parse(f.options), this.labels, this.log);
    return made as unknown as SpeechPreprocessorBase<never>;
  }

  /** The base's front end (`auto`): read from its HF files when nothing was restored. */
  async fit(_train: AnyDataset<AudioExample>, context: FitContext): Promise<void> {
    if (context.restored || this.options.input !== 'auto' || !context.baseDir) return;
    const fromBase = await this.baseFrontEnd(context.baseDir);
    if (!fromBase) return;
    this.frontEnd = fromBase;
    this.inner = this.build(fromBase);
    this.log?.(`note: speech/audio: ${fromBase.input} input as the base ${context.baseDir} expects`);
  }

  private async baseFrontEnd(dir: string): Promise<FrontEnd | undefined> {
    const file = path.join(dir, 'preprocessor_config.json');
    if (await fs.stat(file).catch(() => undefined)) {
      const hf = fromHfPreprocessorConfig(await readJsonObject(file, 'preprocessor config'), file);
      const own = this.options;
      const shared = {
        resample: own.resample,
        maxSeconds: own.maxSeconds,
        maxBytes: own.maxBytes,
        target: own.target,
        ...(own.augment ? { augment: own.augment } : {}),
      };
      if (hf.type === 'WhisperFeatureExtractor') {
        const { featureSize, samplingRate, ...whisper } = hf.config;
        return {
          input: 'log-mel',
          options: {
            ...shared,
            features: 'whisper',
            numMelBins: featureSize,
            samplingRate,
            whisper,
            ...(own.specAugment ? { specAugment: own.specAugment } : {}),
          },
        };
      }
      const { samplingRate, doNormalize, returnAttentionMask } = hf.config;
      return { input: 'waveform', options: { ...shared, samplingRate, doNormalize, returnAttentionMask } };
    }
    const config = await readJsonObject(path.join(dir, 'config.json'), 'base config').catch(() => undefined);
    if (WAVEFORM_MODEL_TYPES.has(String(config?.['model_type']))) return this.ownFrontEnd('waveform');
    return undefined;
  }

  encode(example: AudioExample, context: EncodeContext): Promise<EncodedSpeech> {
    return this.inner.encode(example, context);
  }

  collate(encoded: EncodedSpeech[], context: EncodeContext): SpeechBatch {
    return this.inner.collate(encoded, context);
  }

  parseInput(input: string): Promise<AudioExample> {
    return this.inner.parseInput(input);
  }

  readonly mediaTypes = AUDIO_MEDIA_TYPES;

  parseBytes(bytes: Uint8Array, mediaType: string, name: string): Promise<AudioExample> {
    return this.inner.parseBytes(bytes, mediaType, name);
  }

  lengthOf(example: AudioExample): number {
    return this.inner.lengthOf(example);
  }

  modelConfig(): Readonly<Record<string, unknown>> {
    return this.inner instanceof LogMelPreprocessor ? this.inner.modelConfig() : {};
  }

  saveFiles(dir: string): Promise<void> {
    return this.inner.saveFiles(dir);
  }

  saveState(): JsonValue {
    return { input: this.frontEnd.input, options: this.frontEnd.options as JsonValue };
  }

  loadState(state: JsonValue): void {
    const s = state as { input?: unknown; options?: unknown } | null;
    if (
      !s ||
      (s.input !== 'log-mel' && s.input !== 'waveform') ||
      typeof s.options !== 'object' ||
      !s.options
    ) {
      throw new Error('speech/audio: malformed saved state (expected { input, options })');
    }
    this.frontEnd = { input: s.input, options: s.options as Record<string, unknown> };
    this.inner = this.build(this.frontEnd);
  }
}

/**
 * `speech/audio`: the presets' preprocessor. Log-mel features (`speech/log-mel` options) for
 * log-mel encoders, or normalised waveforms for wav2vec2/HuBERT bases, following the base
 * checkpoint's own `preprocessor_config.json` when there is one.
 *
 * @example
 * { preprocess: { id: 'speech/audio', options: { numMelBins: 40 } } } // fbank without a base
 */
export const audioPreprocessor: Preprocessor<
  AudioExample,
  EncodedSpeech,
  SpeechBatch,
  AudioPreprocessorOptions
> = {
  id: 'speech/audio',
  description:
    "log-mel/fbank or wav2vec2 waveform input, following the base's preprocessor_config.json (speech/log-mel options)",
  optionsSchema: audioPreprocessorOptions,
  create: (options, { labels }) => new AudioPreprocessor(options, labels),
};
