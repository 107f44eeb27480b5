import type { AudioFormat } from './detect-format.js';

export type CompressedFormat = Exclude<AudioFormat, 'wav'>;

/** What `decodeStream` found; it never throws. */
export type StreamResult =
  | {
      readonly status: 'ok';
      readonly samples: Float32Array /** 0 when nothing was decoded. */;
      readonly sampleRate: number;
    }
  | { readonly status: 'decoder-error'; readonly message: string; readonly frameNumber?: number | undefined }
  | { readonly status: 'over-cap' }
  | { readonly status: 'rate-change'; readonly from: number; readonly to: number }
  | { readonly status: 'failed'; readonly message: string };

export interface StreamOptions {
  /** Stop with `over-cap` once more samples per channel than this were decoded. */
  readonly maxFrames: number;
  /** Samples per channel the headers announce, to size the output (a hint). */
  readonly expectedFrames: number;
}

/** Decodes compressed audio with the wasm decoders, mixing to mono piece by piece. */
export function decodeStream(
  format: CompressedFormat,
  bytes: Uint8Array,
  options: StreamOptions,
): Promise<StreamResult>;
