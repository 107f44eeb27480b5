import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import {
  type EncodeContext,
  type JsonValue,
  type PreprocessorInstance,
  Rng,
  UserError,
  writeJsonAtomic,
} from '@peftkit/core';
import { AUDIO_MEDIA_TYPES, type AudioExample } from '../data/audio-example.js';
import { WaveformAugment } from '../features/augment/waveform-augment.js';
import { decodeForModel, type SpeechDecodeOptions } from './decode-options.js';
import type { EncodedSpeech, SpeechBatch } from './speech-batch.js';
import { SpeechTargets } from './speech-target.js';

/** The file a CTC run's vocabulary is written to (HF `Wav2Vec2CTCTokenizer`'s `vocab.json`). */
export const VOCABULARY_FILE = 'vocab.json';

/**
 * Longest noise recording decoded for augmentation: Speech Commands' are 60-95 s, longer than a
 * clip may be (`maxSeconds`); this still bounds memory (10 min at 16 kHz is 38 MB).
 */
export const NOISE_MAX_SECONDS = 600;

/**
 * What both speech preprocessors share: decode (limits, resampling), waveform augmentation in
 * training, targets, `peftkit predict` inputs, length grouping by duration and the vocabulary
 * file. Subclasses turn samples into model values and collate them.
 */
export abstract class SpeechPreprocessorBase<O extends SpeechDecodeOptions>
  implements PreprocessorInstance<AudioExample, EncodedSpeech, SpeechBatch>
{
  protected readonly targets: SpeechTargets;
  private readonly augment: WaveformAugment | undefined;
  /** Decoded noise recordings per example `noise` list (one list per dataset folder). */
  private readonly noiseCache = new WeakMap<readonly string[], Promise<Float32Array[]>>();

  constructor(
    readonly options: O,
    readonly labels: readonly string[] | undefined,
    protected readonly log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
  ) {
    this.targets = new SpeechTargets(options.target, labels, log);
    this.augment = options.augment
      ? new WaveformAugment({ ...options.augment, samplingRate: options.samplingRate })
      : undefined;
  }

  /** Model values `[steps, width]` of one decoded (and augmented) utterance. */
  protected abstract valuesOf(
    samples: Float32Array,
    context: EncodeContext,
  ): { values: Float32Array; steps: number; width: number };

  abstract collate(encoded: EncodedSpeech[], context: EncodeContext): SpeechBatch;

  async encode(example: AudioExample, context: EncodeContext): Promise<EncodedSpeech> {
    // The target first: a transcript the vocabulary cannot encode fails before the decode.
    const target = this.targets.encode(example);
    // A batch's examples are encoded concurrently and their decodes finish in any order, so each
    // takes its own generator now, before the first await (in batch order): augmentation (and a
    // feature dither) then replays exactly whatever order the files arrive in.
    const own: EncodeContext = { ...context, rng: new Rng(context.rng.nextSeed()) };
    let samples = example.samples ?? (await decodeForModel(example.path, this.options));
    if (this.augment && own.training) {
      const noises = await this.noiseRecordings(example.noise);
      samples = this.augment.apply(samples, own, noises);
    }
    return { ...this.valuesOf(samples, own), target };
  }

  /**
   * The example's noise recordings (`AudioExample.noise`) decoded at the model's rate, once per
   * list; empty (white noise) without a list or when noise augmentation is off. A file that does
   * not decode is an error naming it.
   */
  private noiseRecordings(files: readonly string[] | undefined): Promise<Float32Array[]> {
    if (!files?.length || !this.options.augment?.noiseProbability) return Promise.resolve([]);
    let decoded = this.noiseCache.get(files);
    if (!decoded) {
      const o = { ...this.options, maxSeconds: Math.max(this.options.maxSeconds, NOISE_MAX_SECONDS) };
      decoded = Promise.all(files.map((f) => decodeForModel(f, o))).then((all) =>
        all.filter((n) => n.length > 0),
      );
      this.noiseCache.set(files, decoded);
    }
    return decoded;
  }

  /** An audio file path given to `peftkit predict` (decoded when the batch is encoded). */
  async parseInput(input: string): Promise<AudioExample> {
    const file = path.resolve(input);
    const stat = await fs.stat(file).catch(() => undefined);
    if (!stat?.isFile()) throw new UserError(`${input}: no such audio file`);
    return { path: file, source: input };
  }

  /** What `parseBytes` takes: the formats `decodeAudio` reads. */
  readonly mediaTypes = AUDIO_MEDIA_TYPES;

  /**
   * An uploaded audio file (`peftkit serve`), decoded now as `encode` decodes a file of the same
   * bytes (`decodeForModel`, same rate, resampler and limits): a truncated or corrupt upload
   * fails here with the decoder's message naming `name`.
   */
  async parseBytes(bytes: Uint8Array, _mediaType: string, name: string): Promise<AudioExample> {
    const samples = await decodeForModel(bytes, this.options, name);
    return { path: name, source: name, samples, durationSeconds: samples.length / this.options.samplingRate };
  }

  /** Seconds of audio (from the reader's header probe), for `group-by-length`. */
  lengthOf(example: AudioExample): number {
    return example.durationSeconds ?? 0;
  }

  saveState(): JsonValue {
    return {};
  }

  loadState(_state: JsonValue): void {}

  /** A CTC run's vocabulary as HF `vocab.json`, so a later run can reuse it exactly. */
  async saveFiles(dir: string): Promise<void> {
    if (!this.labels || !this.targets.labelsAreVocabulary) return;
    await writeJsonAtomic(path.join(dir, VOCABULARY_FILE), this.targets.vocabulary(dir).toHfJson());
  }
}
