import { AudioError } from './audio-error.js';
import { decodeInWorker } from './decode-pool.js';
import { FORMAT_NAMES } from './detect-format.js';
import type { MonoPcm } from './pcm.js';
import type { CompressedFormat } from './wasm-decode.mjs';

export interface CompressedDecodeOptions {
  /** Name for messages. */
  readonly name: string;
  /** Channels per the file's header (the decoders' output is averaged to mono). */
  readonly channels: number;
  /** Sample rate per the file's header, reported when nothing could be decoded. */
  readonly sampleRate: number;
  /** Samples per channel the headers announce, to size the output (a hint). */
  readonly expectedFrames: number;
  /** Stop with a `too-long` error once more samples per channel than this were decoded. */
  readonly maxFrames: number;
  /** Seconds the cap stands for, for the message. */
  readonly maxSeconds: number;
}

/**
 * Decodes MP3, FLAC, Ogg Vorbis or Ogg Opus with the wasm decoders (in a worker thread, see
 * decode-pool.ts), streaming the bytes in 64 KiB pieces and mixing each decoded piece to mono.
 * Decoding stops as soon as more than `maxFrames` samples came out, so a file whose headers
 * understate its length cannot exhaust memory. A decoder error is a `corrupt` `AudioError` naming
 * the frame; a stream that yields no samples comes back empty for the caller to judge.
 */
export async function decodeCompressed(
  format: CompressedFormat,
  bytes: Uint8Array,
  options: CompressedDecodeOptions,
): Promise<MonoPcm> {
  const { name } = options;
  const label = FORMAT_NAMES[format];
  const r = await decodeInWorker(format, bytes, {
    maxFrames: options.maxFrames,
    expectedFrames: options.expectedFrames,
  });
  switch (r.status) {
    case 'ok':
      return {
        samples: r.samples,
        channels: options.channels,
        sampleRate: r.sampleRate || options.sampleRate,
      };
    case 'decoder-error': {
      const where = r.frameNumber !== undefined ? ` in frame ${r.frameNumber}` : '';
      throw new AudioError(name, 'corrupt', `corrupt ${label}: ${r.message}${where}`);
    }
    case 'over-cap':
      throw new AudioError(
        name,
        'too-long',
        `longer than the ${options.maxSeconds} s limit (stopped decoding)`,
      );
    case 'rate-change':
      throw new AudioError(
        name,
        'corrupt',
        `corrupt ${label}: sample rate changes from ${r.from} to ${r.to} Hz`,
      );
    case 'failed':
      throw new AudioError(name, 'corrupt', `corrupt ${label}: the decoder failed (${r.message})`);
  }
}
