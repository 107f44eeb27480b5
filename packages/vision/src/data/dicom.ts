import {
  checkLimit,
  DEFAULT_INPUT_LIMITS,
  InputLimitError,
  type InputLimits,
  readBytesBounded,
} from '@peftkit/core';
import dicomParser from 'dicom-parser';
import type { IntensityWindow } from '../preprocess/intensity.js';
import type { RawImage } from '../preprocess/raw-image.js';

/** Uncompressed transfer syntaxes `decodeDicom` reads, by UID. */
export const DICOM_TRANSFER_SYNTAXES = {
  '1.2.840.10008.1.2': 'Implicit VR Little Endian',
  '1.2.840.10008.1.2.1': 'Explicit VR Little Endian',
  '1.2.840.10008.1.2.2': 'Explicit VR Big Endian',
} as const;

const BIG_ENDIAN = '1.2.840.10008.1.2.2';

/** Options of `decodeDicom`. */
export interface DicomDecodeOptions {
  /**
   * `auto` (default): apply the file's Window Center/Width when present, giving [0, 1]; `none`:
   * keep the rescaled values (e.g. Hounsfield units); or an explicit window.
   */
  window?: 'auto' | 'none' | IntensityWindow;
  /** Frame of a multi-frame file (default 0). */
  frame?: number;
  /** `maxFileBytes` for the read and `maxImageBytes` for the decoded frame (default `DEFAULT_INPUT_LIMITS`). */
  limits?: InputLimits | undefined;
}

/** A decoded DICOM image: pixel values after Rescale Slope/Intercept (and windowing, if applied). */
export interface DicomImage extends RawImage {
  readonly source: string;
  readonly transferSyntax: string;
  readonly photometric: string;
  readonly rescale: { readonly slope: number; readonly intercept: number };
  /** The window that was applied, if any. */
  readonly window: IntensityWindow | undefined;
  /** The file's own window tags (first value), if present. */
  readonly fileWindow: IntensityWindow | undefined;
  readonly frames: number;
}

/** A DICOM file that cannot be decoded; the message names the file. */
export class DicomError extends Error {
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DicomError';
  }
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  const ex = (err as { exception?: unknown } | null)?.exception;
  return ex !== undefined ? messageOf(ex) : String(err);
}

/**
 * Decodes a DICOM Part 10 file (preamble, `DICM`, meta group) with an uncompressed transfer
 * syntax: Implicit or Explicit VR Little Endian, or Explicit VR Big Endian. Handles 8/16/32-bit
 * samples (signed or unsigned, Bits Stored < Bits Allocated), MONOCHROME1/2 and RGB (either
 * planar configuration); applies Rescale Slope/Intercept, then the window (see `window`).
 * MONOCHROME1 is inverted so larger values are always brighter.
 *
 * @throws DicomError `unsupported transfer syntax <uid> in <file>` for compressed data, and
 *   `cannot read DICOM <file>: ...` for anything malformed.
 */
export function decodeDicom(
  bytes: Uint8Array,
  name = '<dicom>',
  options: DicomDecodeOptions = {},
): DicomImage {
  const fail = (why: string): never => {
    throw new DicomError(name, `cannot read DICOM ${name}: ${why}`);
  };
  let ds: dicomParser.DataSet;
  try {
    ds = dicomParser.parseDicom(bytes);
  } catch (err) {
    return fail(messageOf(err));
  }
  const syntax = ds.string('x00020010') ?? fail('no Transfer Syntax UID (0002,0010) in the meta group');
  if (!Object.hasOwn(DICOM_TRANSFER_SYNTAXES, syntax)) {
    throw new DicomError(
      name,
      `unsupported transfer syntax ${syntax} in ${name} (only uncompressed syntaxes are read: ${Object.values(DICOM_TRANSFER_SYNTAXES).join(', ')}); decompress it first, e.g. with dcmdjpeg or gdcmconv --raw`,
    );
  }
  const rows = ds.uint16('x00280010') ?? fail('no Rows (0028,0010)');
  const cols = ds.uint16('x00280011') ?? fail('no Columns (0028,0011)');
  const spp = ds.uint16('x00280002') ?? 1;
  const bitsAllocated = ds.uint16('x00280100') ?? fail('no Bits Allocated (0028,0100)');
  const bitsStored = ds.uint16('x00280101') ?? bitsAllocated;
  const signed = (ds.uint16('x00280103') ?? 0) === 1;
  const planar = ds.uint16('x00280006') ?? 0;
  const photometric = (ds.string('x00280004') ?? (spp === 3 ? 'RGB' : 'MONOCHROME2')).trim();
  const frames = ds.intString('x00280008') ?? 1;
  if (!['MONOCHROME1', 'MONOCHROME2', 'RGB'].includes(photometric)) {
    fail(
      `unsupported photometric interpretation '${photometric}' (MONOCHROME1, MONOCHROME2 and RGB are read)`,
    );
  }
  if ((photometric === 'RGB') !== (spp === 3) || (spp !== 1 && spp !== 3)) {
    fail(`${spp} samples per pixel do not fit photometric interpretation '${photometric}'`);
  }
  if (![8, 16, 32].includes(bitsAllocated)) fail(`unsupported Bits Allocated ${bitsAllocated}`);
  if (!(bitsStored >= 1 && bitsStored <= bitsAllocated))
    fail(`Bits Stored ${bitsStored} exceeds Bits Allocated ${bitsAllocated}`);
  const frame = options.frame ?? 0;
  if (!Number.isInteger(frame) || frame < 0 || frame >= frames)
    fail(`frame ${frame} out of range (file has ${frames})`);
  const pixel = ds.elements['x7fe00010'] ?? fail('no Pixel Data (7FE0,0010)');
  if (pixel.encapsulatedPixelData)
    fail('encapsulated (compressed) pixel data in an uncompressed transfer syntax');
  const count = rows * cols * spp;
  checkLimit(
    options.limits ?? DEFAULT_INPUT_LIMITS,
    'maxImageBytes',
    count * 4,
    `DICOM ${name} (${rows}x${cols}x${spp}, float32) decodes to`,
  );
  const bytesPer = bitsAllocated / 8;
  const start = pixel.dataOffset + frame * count * bytesPer;
  if (start + count * bytesPer > Math.min(ds.byteArray.length, pixel.dataOffset + pixel.length)) {
    fail(`pixel data too short for ${frames} frame(s) of ${rows}x${cols}x${spp} at ${bitsAllocated} bits`);
  }

  const view = new DataView(ds.byteArray.buffer, ds.byteArray.byteOffset, ds.byteArray.byteLength);
  const little = syntax !== BIG_ENDIAN;
  const mask = bitsStored === 32 ? 0xffffffff : 2 ** bitsStored - 1;
  const read = (i: number): number => {
    const o = start + i * bytesPer;
    const v =
      bytesPer === 1
        ? view.getUint8(o)
        : bytesPer === 2
          ? view.getUint16(o, little)
          : view.getUint32(o, little);
    const u = bitsStored === 32 ? v : v & mask;
    return signed && u >= 2 ** (bitsStored - 1) ? u - 2 ** bitsStored : u;
  };
  const slope = ds.floatString('x00281053') ?? 1;
  const intercept = ds.floatString('x00281052') ?? 0;
  const data = new Float32Array(count);
  const n = rows * cols;
  for (let i = 0; i < count; i++) {
    // Planar configuration 1 stores all R, then all G, then all B.
    const src = spp === 3 && planar === 1 ? (i % 3) * n + Math.floor(i / 3) : i;
    data[i] = read(src) * slope + intercept;
  }

  const wc = ds.floatString('x00281050');
  const ww = ds.floatString('x00281051');
  const fileWindow = wc !== undefined && ww !== undefined && ww >= 1 ? { center: wc, width: ww } : undefined;
  const mode = options.window ?? 'auto';
  const window = mode === 'none' ? undefined : mode === 'auto' ? fileWindow : mode;
  let maxValue: number | undefined;
  if (window) {
    const lo = window.center - 0.5 - (window.width - 1) / 2;
    const hi = window.center - 0.5 + (window.width - 1) / 2;
    for (let i = 0; i < count; i++) {
      const x = data[i] as number;
      data[i] =
        x <= lo
          ? 0
          : x > hi
            ? 1
            : window.width === 1
              ? 1
              : (x - (window.center - 0.5)) / (window.width - 1) + 0.5;
    }
    maxValue = 1;
  } else if (!signed && slope === 1 && intercept === 0) {
    maxValue = bitsStored === 32 ? 0xffffffff : mask;
  }
  if (photometric === 'MONOCHROME1') {
    let flipAt: number;
    if (maxValue !== undefined) flipAt = maxValue;
    else {
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (const v of data) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      flipAt = lo + hi;
    }
    for (let i = 0; i < count; i++) data[i] = flipAt - (data[i] as number);
  }
  return {
    data,
    height: rows,
    width: cols,
    channels: spp,
    maxValue,
    source: name,
    transferSyntax: syntax,
    photometric,
    rescale: { slope, intercept },
    window,
    fileWindow,
    frames,
  };
}

/** Reads and decodes a DICOM file (see `decodeDicom`). */
export async function readDicom(path: string, options: DicomDecodeOptions = {}): Promise<DicomImage> {
  const bytes = await readBytesBounded(path, options.limits).catch((err: Error) => {
    if (err instanceof InputLimitError) throw err;
    throw new DicomError(path, `cannot read DICOM ${path}: ${err.message}`, { cause: err });
  });
  return decodeDicom(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path, options);
}
