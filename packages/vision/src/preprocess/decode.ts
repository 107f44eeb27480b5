import { checkLimit, DEFAULT_INPUT_LIMITS, InputLimitError, type InputLimits } from '@peftkit/core';
import sharp from 'sharp';
import type { RawImage } from './raw-image.js';

/** Options of `decodeImage`. */
export interface DecodeOptions {
  /** Rotate/mirror by the EXIF orientation tag, as viewers show the photo (default true). */
  autoOrient?: boolean;
  /** Keep an alpha channel as the last channel (default false: alpha is dropped). */
  keepAlpha?: boolean;
  /**
   * Name used in error messages when `source` is a buffer (default `<buffer>`); a path source is
   * always named by its path.
   */
  name?: string;
  /**
   * Bounds the decoded size (`maxImageBytes`: width x height x channels x 4, checked from the
   * header before any pixel is decoded; sharp's `limitInputPixels` is set from it too). Default
   * `DEFAULT_INPUT_LIMITS`.
   */
  limits?: InputLimits | undefined;
}

/** A decoded file: raw sample values (0..255 or 0..65535) as floats, channels last. */
export interface DecodedImage extends RawImage {
  readonly maxValue: number;
  /** Bits per sample of the file (16 keeps full precision: no rounding to 8 bits). */
  readonly bitDepth: 8 | 16;
  /** The container format sharp detected (`png`, `jpeg`, `webp`, `tiff`, ...). */
  readonly format: string;
  /** The path, or the `name` given for a buffer. */
  readonly source: string;
}

/** An image that could not be decoded; `message` and `path` name the file. */
export class ImageDecodeError extends Error {
  readonly path: string;

  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super(`cannot decode image ${path}: ${reason}`, options);
    this.name = 'ImageDecodeError';
    this.path = path;
  }
}

const GREY_SPACES = new Set(['b-w', 'grey16']);

/**
 * Decodes a PNG, JPEG, WebP or TIFF file (or buffer) with sharp into float sample values,
 * channels last. 8-bit files give values 0..255, 16-bit files 0..65535 at full precision (the
 * pipeline is kept in sharp's 16-bit colourspaces and read with `depth: 'ushort'`). Greyscale
 * files give 1 channel, colour files 3 (CMYK is converted to sRGB); alpha is dropped unless
 * `keepAlpha`. Decoding runs on libuv's thread pool, so callers can overlap several decodes.
 *
 * @throws ImageDecodeError naming the file for unreadable, truncated or unsupported data;
 *   InputLimitError when the header declares an image larger than `limits.maxImageBytes`.
 * @example
 * const img = await decodeImage('scans/0001.png'); // { height, width, channels, data, bitDepth }
 */
export async function decodeImage(
  source: string | Uint8Array,
  options: DecodeOptions = {},
): Promise<DecodedImage> {
  const name = typeof source === 'string' ? source : (options.name ?? '<buffer>');
  const input =
    typeof source === 'string' ? source : Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  const limits = options.limits ?? DEFAULT_INPUT_LIMITS;
  try {
    // Every decoded pixel costs at least one float32: sharp refuses larger inputs itself.
    const limitInputPixels = Math.max(1, Math.floor(limits.maxImageBytes / 4));
    const open = () =>
      sharp(input, { failOn: 'error', autoOrient: options.autoOrient ?? true, limitInputPixels });
    const meta = await open().metadata();
    if (meta.depth !== 'uchar' && meta.depth !== 'ushort') {
      throw new Error(
        `unsupported sample format '${meta.depth}' (8- and 16-bit unsigned integers are supported)`,
      );
    }
    const sixteen = meta.depth === 'ushort';
    const grey = GREY_SPACES.has(meta.space) || meta.channels <= 2;
    const channels = (grey ? 1 : 3) + (options.keepAlpha && meta.hasAlpha ? 1 : 0);
    const [w, h] = [meta.width ?? 0, meta.pageHeight ?? meta.height ?? 0];
    checkLimit(
      limits,
      'maxImageBytes',
      w * h * channels * 4,
      `image ${name} (${w}x${h}, ${channels} channel${channels > 1 ? 's' : ''}, float32) decodes to`,
    );
    const space = grey ? (sixteen ? 'grey16' : 'b-w') : sixteen ? 'rgb16' : 'srgb';
    let pipeline = open().toColourspace(space);
    if (!options.keepAlpha) pipeline = pipeline.removeAlpha();
    const { data, info } = await pipeline.raw({ depth: sixteen ? 'ushort' : 'uchar' }).toBuffer({
      resolveWithObject: true,
    });
    const samples = sixteen
      ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return {
      data: Float32Array.from(samples),
      height: info.height,
      width: info.width,
      channels: info.channels,
      maxValue: sixteen ? 65535 : 255,
      bitDepth: sixteen ? 16 : 8,
      format: meta.format,
      source: name,
    };
  } catch (err) {
    if (err instanceof ImageDecodeError || err instanceof InputLimitError) throw err;
    throw new ImageDecodeError(name, err instanceof Error ? err.message : String(err), { cause: err });
  }
}
