import { FLACDecoder } from '@wasm-audio-decoders/flac';
import { OggVorbisDecoder } from '@wasm-audio-decoders/ogg-vorbis';
import { MPEGDecoder } from 'mpg123-decoder';
import { OggOpusDecoder } from 'ogg-opus-decoder';
import { AudioError } from './audio-error.js';
import { type AudioFormat, FORMAT_NAMES } from './detect-format.js';
import { type MonoPcm, mixInto } from './pcm.js';

interface DecodedChunk {
  readonly channelData: Float32Array[];
  readonly samplesDecoded: number;
  readonly sampleRate: number;
  readonly errors: readonly { readonly message: string; readonly frameNumber?: number }[];
}

/** The part of the wasm-audio-decoders API used here (all four share it). */
interface StreamDecoder {
  readonly ready: Promise<void>;
  decode(data: Uint8Array): DecodedChunk | Promise<DecodedChunk>;
  flush?(): Promise<DecodedChunk>;
  free(): void;
}

function createDecoder(format: Exclude<AudioFormat, 'wav'>): StreamDecoder {
  switch (format) {
    case 'mp3':
      return new MPEGDecoder({ enableGapless: true });
    case 'flac':
      return new FLACDecoder();
    case 'ogg-vorbis':
      return new OggVorbisDecoder();
    case 'ogg-opus':
      return new OggOpusDecoder();
  }
}

/** Bytes handed to the decoder at a time: the cap below is checked after each piece. */
const CHUNK = 64 * 1024;

export interface CompressedDecodeOptions {
  /** Name for messages. */
  readonly name: string;
  /** Channels per the file's header (the mix divides by what the decoder returns). */
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
 * Decodes MP3, FLAC, Ogg Vorbis or Ogg Opus with the wasm decoders, streaming the bytes in 64 KiB
 * pieces and mixing each decoded piece to mono at once. Decoding stops as soon as more than
 * `maxFrames` samples came out, so a file whose headers understate its length cannot exhaust
 * memory. A decoder error is a `corrupt` `AudioError` naming the frame; a stream that yields no
 * samples comes back empty. One decoder instance per
 * call (instantiating one costs ~1 ms once the wasm module is compiled) keeps calls independent.
 */
export async function decodeCompressed(
  format: Exclude<AudioFormat, 'wav'>,
  bytes: Uint8Array,
  options: CompressedDecodeOptions,
): Promise<MonoPcm> {
  const { name, maxFrames } = options;
  const label = FORMAT_NAMES[format];
  const decoder = createDecoder(format);
  let out = new Float32Array(Math.min(Math.max(options.expectedFrames, 1024), maxFrames + CHUNK));
  let frames = 0;
  let rate = 0;
  const take = (chunk: DecodedChunk) => {
    const bad = chunk.errors[0];
    if (bad) {
      const where = bad.frameNumber !== undefined ? ` in frame ${bad.frameNumber}` : '';
      throw new AudioError(name, 'corrupt', `corrupt ${label}: ${bad.message}${where}`);
    }
    const n = chunk.samplesDecoded;
    if (n <= 0) return;
    if (rate && chunk.sampleRate !== rate) {
      throw new AudioError(
        name,
        'corrupt',
        `corrupt ${label}: sample rate changes from ${rate} to ${chunk.sampleRate} Hz`,
      );
    }
    rate = chunk.sampleRate;
    const channels = chunk.channelData.filter((c) => c.length >= n);
    if (channels.length === 0)
      throw new AudioError(name, 'corrupt', `corrupt ${label}: decoder returned no channels`);
    if (frames + n > maxFrames) {
      throw new AudioError(
        name,
        'too-long',
        `longer than the ${options.maxSeconds} s limit (stopped decoding)`,
      );
    }
    if (frames + n > out.length) {
      const grown = new Float32Array(Math.min(Math.max(out.length * 2, frames + n), maxFrames));
      grown.set(out.subarray(0, frames));
      out = grown;
    }
    mixInto(out, frames, channels, n);
    frames += n;
  };
  try {
    await decoder.ready;
    for (let at = 0; at < bytes.length; at += CHUNK)
      take(await decoder.decode(bytes.subarray(at, at + CHUNK)));
    if (decoder.flush) take(await decoder.flush());
  } catch (err) {
    if (err instanceof AudioError) throw err;
    throw new AudioError(
      name,
      'corrupt',
      `corrupt ${label}: the decoder failed (${(err as Error).message})`,
      {
        cause: err,
      },
    );
  } finally {
    decoder.free();
  }
  // Nothing decoded is the caller's to judge (a truncated first frame, or no audio at all).
  return {
    samples: out.slice(0, frames),
    channels: options.channels,
    sampleRate: rate || options.sampleRate,
  };
}
