// Streams MP3, FLAC, Ogg Vorbis and Ogg Opus bytes through the wasm decoders and mixes each
// decoded piece to mono. Plain JavaScript on purpose: this file also runs as a worker thread
// (decode-pool.ts), and a worker must load without the TypeScript loader of its parent (tsx, or
// vitest's transformer, do not reach worker threads). Types: wasm-decode.d.mts.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { FLACDecoder } from '@wasm-audio-decoders/flac';
import { OggVorbisDecoder } from '@wasm-audio-decoders/ogg-vorbis';
import { MPEGDecoder } from 'mpg123-decoder';
import { OggOpusDecoder } from 'ogg-opus-decoder';

/** Bytes handed to a decoder at a time; the sample cap is checked after each piece. */
const CHUNK = 64 * 1024;

function createDecoder(format) {
  switch (format) {
    case 'mp3':
      return new MPEGDecoder({ enableGapless: true });
    case 'flac':
      return new FLACDecoder();
    case 'ogg-vorbis':
      return new OggVorbisDecoder();
    case 'ogg-opus':
      return new OggOpusDecoder();
    default:
      throw new Error(`no wasm decoder for '${format}'`);
  }
}

/**
 * Decodes `bytes` to mono. Never throws: the result's `status` says what happened ('ok',
 * 'decoder-error' with the decoder's message, 'over-cap' once more than `maxFrames` samples per
 * channel came out, 'rate-change', or 'failed' when a decoder threw).
 */
export async function decodeStream(format, bytes, { maxFrames, expectedFrames }) {
  let decoder;
  let out = new Float32Array(Math.min(Math.max(expectedFrames, 1024), maxFrames + CHUNK));
  let frames = 0;
  let rate = 0;
  // Returns a final result to stop with, or undefined to go on.
  const take = (chunk) => {
    const bad = chunk.errors[0];
    if (bad) return { status: 'decoder-error', message: String(bad.message), frameNumber: bad.frameNumber };
    const n = chunk.samplesDecoded;
    if (!(n > 0)) return undefined;
    if (rate && chunk.sampleRate !== rate) return { status: 'rate-change', from: rate, to: chunk.sampleRate };
    rate = chunk.sampleRate;
    // Some decoders return placeholder arrays alongside the real channels when idle.
    const channels = chunk.channelData.filter((c) => c.length >= n);
    if (channels.length === 0) return { status: 'failed', message: 'the decoder returned no channels' };
    if (frames + n > maxFrames) return { status: 'over-cap' };
    if (frames + n > out.length) {
      const grown = new Float32Array(Math.min(Math.max(out.length * 2, frames + n), maxFrames));
      grown.set(out.subarray(0, frames));
      out = grown;
    }
    const k = 1 / channels.length;
    for (const ch of channels) for (let i = 0; i < n; i++) out[frames + i] += ch[i] * k;
    frames += n;
    return undefined;
  };
  try {
    decoder = createDecoder(format);
    await decoder.ready;
    for (let at = 0; at < bytes.length; at += CHUNK) {
      const stop = take(await decoder.decode(bytes.subarray(at, at + CHUNK)));
      if (stop) return stop;
    }
    if (decoder.flush) {
      const stop = take(await decoder.flush());
      if (stop) return stop;
    }
  } catch (err) {
    return { status: 'failed', message: err instanceof Error ? err.message : String(err) };
  } finally {
    decoder?.free();
  }
  return { status: 'ok', samples: out.slice(0, frames), sampleRate: rate };
}

// As a worker: one request at a time, in arrival order; samples are transferred, not copied.
if (!isMainThread && workerData?.role === 'peftkit-audio-decoder' && parentPort) {
  const port = parentPort;
  let queue = Promise.resolve();
  port.on('message', ({ id, format, bytes, maxFrames, expectedFrames }) => {
    queue = queue.then(async () => {
      const result = await decodeStream(format, bytes, { maxFrames, expectedFrames });
      port.postMessage({ id, result }, result.status === 'ok' ? [result.samples.buffer] : []);
    });
  });
}
