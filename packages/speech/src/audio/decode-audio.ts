import { AudioError } from './audio-error.js';
import { decodeCompressed } from './decode-compressed.js';
import { decodeWav } from './decode-wav.js';
import { type AudioFormat, FORMAT_NAMES } from './detect-format.js';
import { type Inspection, inspectAudio } from './inspect.js';
import {
  type AudioLimits,
  DEFAULT_TARGET_RATE,
  formatBytes,
  formatSeconds,
  resolveLimits,
} from './limits.js';
import type { MonoPcm } from './pcm.js';
import { PROBE_HEAD_BYTES, probeAudioFile } from './probe-audio.js';
import { readWhole, statAudioFile } from './read-audio-file.js';
import { type ResampleFilter, type ResampleQuality, resample } from './resample.js';

export interface DecodeAudioOptions extends AudioLimits {
  /** Sample rate of the result in Hz (default 16000); `'original'` keeps the file's rate. */
  readonly targetRate?: number | 'original' | undefined;
  /** Resampling filter (default `best`, torchaudio's `kaiser_best`). */
  readonly resample?: ResampleQuality | ResampleFilter | undefined;
  /** Name used in messages when decoding bytes (default `<bytes>`). */
  readonly name?: string | undefined;
}

/** Decoded audio: mono at `sampleRate`, with what the file was. */
export interface DecodedAudio {
  /** Mono samples (channels averaged), nominally in [-1, 1]. */
  readonly samples: Float32Array;
  /** Rate of `samples` (the target rate). */
  readonly sampleRate: number;
  readonly originalSampleRate: number;
  /** Channels in the file. */
  readonly channels: number;
  /** Decoded length in seconds (at the original rate). */
  readonly durationSeconds: number;
  readonly format: AudioFormat;
}

/**
 * Decodes a WAV, MP3, FLAC, Ogg Vorbis or Ogg Opus file (a path or its bytes; the format comes
 * from magic bytes, never the extension) to mono float samples at `targetRate`.
 *
 * Limits come first: a path over `maxBytes` is refused before it is read, a file whose headers
 * say it is longer than `maxSeconds` before it is decoded, and compressed streams are decoded in
 * pieces that stop once `maxSeconds` is exceeded. Every problem (missing, unsupported, corrupt,
 * truncated, empty, too long, too large) is a one-line `AudioError` (a `UserError`) naming the
 * file, with `reason` telling which.
 *
 * @example
 * const { samples, sampleRate } = await decodeAudio('clips/common_voice_en_1.mp3'); // 16 kHz mono
 * const raw = await decodeAudio(bytes, { targetRate: 'original', maxSeconds: 30, name: 'upload.wav' });
 */
export async function decodeAudio(
  input: Uint8Array | string,
  options: DecodeAudioOptions = {},
): Promise<DecodedAudio> {
  const { maxSeconds, maxBytes } = resolveLimits(options);
  const target = options.targetRate ?? DEFAULT_TARGET_RATE;
  if (target !== 'original' && !(Number.isInteger(target) && target >= 1000 && target <= 768_000)) {
    throw new Error(
      `decodeAudio: targetRate must be an integer in [1000, 768000] Hz or 'original', got ${target}`,
    );
  }
  const name = typeof input === 'string' ? input : (options.name ?? '<bytes>');
  const tooLong = (seconds: number) =>
    new AudioError(
      name,
      'too-long',
      `${formatSeconds(seconds)}, longer than the ${formatSeconds(maxSeconds)} limit (maxSeconds)`,
    );
  let bytes: Uint8Array;
  if (typeof input === 'string') {
    const size = await statAudioFile(input, maxBytes);
    if (size > PROBE_HEAD_BYTES) {
      // Headers first: a 3-hour file is refused after reading its first 64 KiB, not all of it.
      const head = await probeAudioFile(input, { maxBytes });
      if (head.durationSeconds !== undefined && head.durationSeconds > maxSeconds) {
        throw tooLong(head.durationSeconds);
      }
    }
    bytes = await readWhole(input);
  } else {
    bytes = input;
    if (bytes.length > maxBytes) {
      throw new AudioError(
        name,
        'too-large',
        `${formatBytes(bytes.length)}, over the ${formatBytes(maxBytes)} limit (maxBytes)`,
      );
    }
  }
  const found = inspectAudio({ head: bytes, fileSize: bytes.length, whole: true, name }) as Inspection;
  const { probe } = found;
  if (probe.durationSeconds !== undefined && probe.durationSeconds > maxSeconds) {
    throw tooLong(probe.durationSeconds);
  }
  const pcm = await decodePcm(bytes, found, name, maxSeconds);
  const durationSeconds = pcm.samples.length / pcm.sampleRate;
  if (durationSeconds > maxSeconds) throw tooLong(durationSeconds);
  assertFinite(pcm.samples, name);
  const rate = target === 'original' ? pcm.sampleRate : target;
  return {
    samples: resample(pcm.samples, pcm.sampleRate, rate, options.resample ?? 'best'),
    sampleRate: rate,
    originalSampleRate: pcm.sampleRate,
    channels: probe.channels,
    durationSeconds,
    format: probe.format,
  };
}

async function decodePcm(
  bytes: Uint8Array,
  found: Inspection,
  name: string,
  maxSeconds: number,
): Promise<MonoPcm> {
  const { probe } = found;
  if (probe.format === 'wav' && found.wav) return decodeWav(bytes, found.wav, name);
  if (probe.format === 'wav') throw new Error('decodeAudio: WAV inspection without a header');
  // Slack over the cap: decoders may emit up to a frame more than the headers announce.
  const maxFrames = Number.isFinite(maxSeconds)
    ? Math.ceil(maxSeconds * probe.sampleRate) + 4096
    : Number.MAX_SAFE_INTEGER;
  // Decoders get the stream itself: the FLAC decoder does not skip a leading ID3 tag.
  const pcm = await decodeCompressed(probe.format, bytes.subarray(found.start), {
    name,
    channels: probe.channels,
    sampleRate: probe.sampleRate,
    expectedFrames: found.frames,
    maxFrames,
    maxSeconds,
  });
  if (pcm.sampleRate !== probe.sampleRate) {
    throw new AudioError(
      name,
      'corrupt',
      `corrupt ${FORMAT_NAMES[probe.format]}: header says ${probe.sampleRate} Hz, the stream ${pcm.sampleRate} Hz`,
    );
  }
  // Fewer samples than the headers announce: the stream was cut. MP3 decoders may trim up to a
  // frame differently from the LAME tag's delay/padding, so MP3 gets one frame of slack.
  const slack = probe.format === 'mp3' ? 1152 : 0;
  if (probe.exact && pcm.samples.length + slack < found.frames) {
    throw new AudioError(
      name,
      'truncated',
      `truncated ${FORMAT_NAMES[probe.format]}: decoded ${pcm.samples.length} of the ${found.frames} samples its header announces`,
    );
  }
  if (pcm.samples.length === 0) {
    throw new AudioError(name, 'corrupt', `corrupt ${FORMAT_NAMES[probe.format]}: no decodable audio`);
  }
  // Ogg's last granule position is where the stream ends (RFC 7845 end trimming).
  if (found.ogg && found.frames > 0 && pcm.samples.length > found.frames) {
    return { ...pcm, samples: pcm.samples.subarray(0, found.frames) };
  }
  return pcm;
}

function assertFinite(samples: Float32Array, name: string): void {
  for (let i = 0; i < samples.length; i++) {
    if (!Number.isFinite(samples[i])) {
      throw new AudioError(name, 'corrupt', `corrupt audio: sample ${i} is ${samples[i]}`);
    }
  }
}
