import type { InputLimits } from '@peftkit/core';
import { type DecodeOptions, decodeImage } from '../preprocess/decode.js';
import type { RawImage } from '../preprocess/raw-image.js';
import { type DicomDecodeOptions, decodeDicom, readDicom } from './dicom.js';
import type { ImageSource } from './image-example.js';

export interface LoadImageOptions {
  decode?: Omit<DecodeOptions, 'name'>;
  dicom?: DicomDecodeOptions;
  /** Input limits for both decoders (default `DEFAULT_INPUT_LIMITS`). */
  limits?: InputLimits | undefined;
}

/**
 * The pixels of a source: decodes a file (or its bytes) with sharp, a DICOM file (or its bytes)
 * with `readDicom` / `decodeDicom`, or returns in-memory pixels. Errors name the file.
 */
export async function loadImage(source: ImageSource, options: LoadImageOptions = {}): Promise<RawImage> {
  switch (source.kind) {
    case 'file':
      return decodeImage(source.path, { ...options.decode, limits: options.limits });
    case 'dicom':
      return readDicom(source.path, { ...options.dicom, limits: options.limits });
    case 'bytes':
      return source.dicom
        ? decodeDicom(source.bytes, source.name, { ...options.dicom, limits: options.limits })
        : decodeImage(source.bytes, { ...options.decode, name: source.name, limits: options.limits });
    case 'pixels':
      return source.image;
  }
}
