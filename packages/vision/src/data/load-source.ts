import { type DecodeOptions, decodeImage } from '../preprocess/decode.js';
import type { RawImage } from '../preprocess/raw-image.js';
import { type DicomDecodeOptions, readDicom } from './dicom.js';
import type { ImageSource } from './image-example.js';

export interface LoadImageOptions {
  decode?: Omit<DecodeOptions, 'name'>;
  dicom?: DicomDecodeOptions;
}

/**
 * The pixels of a source: decodes a file with sharp, a DICOM file with `readDicom`, or returns
 * in-memory pixels. Errors name the file.
 */
export async function loadImage(source: ImageSource, options: LoadImageOptions = {}): Promise<RawImage> {
  switch (source.kind) {
    case 'file':
      return decodeImage(source.path, options.decode);
    case 'dicom':
      return readDicom(source.path, options.dicom);
    case 'pixels':
      return source.image;
  }
}
