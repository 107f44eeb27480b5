import { UserError, z } from '@peftkit/core';
import { AudioError } from '../audio/audio-error.js';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_SECONDS } from '../audio/limits.js';
import { probeAudioFile } from '../audio/probe-audio.js';
import { statAudioFile } from '../audio/read-audio-file.js';
import type { AudioExample } from './audio-example.js';
import { mapLimit } from './map-limit.js';

/** Reader options shared by every `speech/*` reader: limits checked from headers at read time. */
export const audioCheckShape = {
  /** Files longer than this (by their headers) are skipped or refused, per `tooLong`. */
  maxSeconds: z.number().positive().default(DEFAULT_MAX_SECONDS),
  /** Files larger than this many bytes are skipped or refused, per `tooLong`. */
  maxBytes: z.number().int().positive().default(DEFAULT_MAX_BYTES),
  /** What to do with files over `maxSeconds`/`maxBytes`: drop them with a warning, or fail. */
  tooLong: z.enum(['skip', 'error']).default('skip'),
  /** Missing, unsupported, corrupt or truncated files: fail (default) or drop with a warning. */
  unreadable: z.enum(['error', 'skip']).default('error'),
  /**
   * Read each file's headers (format, duration) while reading the dataset: fills
   * `durationSeconds` and applies the limits before training starts. `false` only checks that
   * each file exists and is within `maxBytes`; `decodeAudio` still enforces the limits later.
   */
  probe: z.boolean().default(true),
};

export type AudioCheckOptions = {
  readonly [K in keyof typeof audioCheckShape]: z.output<(typeof audioCheckShape)[K]>;
};

/** Files probed at once: enough to hide disk latency, far below descriptor limits. */
const CONCURRENCY = 16;
const LIMIT_REASONS = new Set(['too-long', 'too-large']);

/**
 * Checks every example's file: probes headers (or stats, without `probe`), sets
 * `durationSeconds`, and drops or refuses files over the limits or unreadable, per the options.
 * `whereOf` prefixes messages with the manifest row the file came from. Dropped files are
 * summarised in one warning per kind, naming the first few. `indices` are the kept examples'
 * positions in `examples`.
 */
export async function checkAudioFiles<E extends AudioExample>(
  examples: readonly E[],
  options: AudioCheckOptions,
  whereOf: (example: E) => string | undefined = () => undefined,
): Promise<{ kept: E[]; indices: number[]; warnings: string[] }> {
  const { maxSeconds, maxBytes } = options;
  const results = await mapLimit(examples, CONCURRENCY, async (e): Promise<E | AudioError> => {
    try {
      if (!options.probe) {
        await statAudioFile(e.path, maxBytes);
        return e;
      }
      const probe = await probeAudioFile(e.path, { maxBytes });
      if (probe.durationSeconds !== undefined && probe.durationSeconds > maxSeconds) {
        return new AudioError(e.path, 'too-long', `${probe.durationSeconds.toFixed(1)} s`);
      }
      return probe.durationSeconds === undefined ? e : { ...e, durationSeconds: probe.durationSeconds };
    } catch (err) {
      if (err instanceof AudioError) return err;
      throw err;
    }
  });
  const kept: E[] = [];
  const indices: number[] = [];
  const over: string[] = [];
  const broken: string[] = [];
  results.forEach((r, i) => {
    if (!(r instanceof AudioError)) {
      kept.push(r);
      indices.push(i);
      return;
    }
    const where = whereOf(examples[i] as E);
    const limit = LIMIT_REASONS.has(r.reason);
    const policy = limit ? options.tooLong : options.unreadable;
    if (policy === 'error') {
      const detail =
        r.reason === 'too-long'
          ? `${r.detail}, longer than the ${maxSeconds} s limit (maxSeconds)`
          : r.detail;
      throw new UserError(`${where ? `${where}: ` : ''}${r.file}: ${detail}`, 2, { cause: r });
    }
    (limit ? over : broken).push(`${where ?? r.file} (${r.detail})`);
  });
  const warnings: string[] = [];
  const list = (items: string[]) =>
    items.slice(0, 3).join('; ') + (items.length > 3 ? `; and ${items.length - 3} more` : '');
  if (over.length) {
    warnings.push(
      `skipped ${over.length} of ${examples.length} audio files over the limits (maxSeconds ${maxSeconds}, maxBytes ${maxBytes}; tooLong: 'error' to fail instead): ${list(over)}`,
    );
  }
  if (broken.length) {
    warnings.push(`skipped ${broken.length} of ${examples.length} unreadable audio files: ${list(broken)}`);
  }
  return { kept, indices, warnings };
}
