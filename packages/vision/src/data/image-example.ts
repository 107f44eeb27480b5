import * as path from 'node:path';
import type { RawImage } from '../preprocess/raw-image.js';

/**
 * Where an example's pixels come from: an image file (decoded with sharp), a DICOM file, or
 * pixels already in memory (MedMNIST, IDX, the `mnist` package). Files are decoded lazily, when
 * the example is encoded, so a dataset of paths costs no memory up front.
 */
export type ImageSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'dicom'; readonly path: string }
  | { readonly kind: 'pixels'; readonly image: RawImage; readonly name: string }
  /** The bytes of an image (or, with `dicom`, a DICOM) file, e.g. an upload to `peftkit serve`. */
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array; readonly name: string; readonly dicom: boolean };

/**
 * One raw example of the vision plugin. `label` is a class index (single-label), a multi-hot
 * 0/1 vector (multi-label), or absent (unlabelled, prediction).
 */
export interface ImageExample {
  readonly source: ImageSource;
  readonly label?: number | readonly number[] | undefined;
}

/** File extensions decoded with sharp. */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff'] as const;
/** File extensions decoded as DICOM. */
export const DICOM_EXTENSIONS = ['.dcm', '.dicom'] as const;

/** The media type of DICOM files. */
export const DICOM_MEDIA_TYPE = 'application/dicom';
/** Media types of the files the plugin decodes (`ImagePreprocessor.parseBytes`). */
export const IMAGE_MEDIA_TYPES: readonly string[] = [
  'image/png',
  'image/jpeg',
  'image/webp',
  'image/tiff',
  DICOM_MEDIA_TYPE,
];

/** True when the extension is one the plugin decodes (image or DICOM). */
export function isImagePath(p: string): boolean {
  const ext = path.extname(p).toLowerCase();
  return (
    (IMAGE_EXTENSIONS as readonly string[]).includes(ext) ||
    (DICOM_EXTENSIONS as readonly string[]).includes(ext)
  );
}

/** The source for a path: DICOM by extension, otherwise an image file. */
export function sourceForPath(p: string): ImageSource {
  const ext = path.extname(p).toLowerCase();
  return (DICOM_EXTENSIONS as readonly string[]).includes(ext)
    ? { kind: 'dicom', path: p }
    : { kind: 'file', path: p };
}

/** A name for messages: the path, or the in-memory name. */
export function sourceName(source: ImageSource): string {
  return source.kind === 'pixels' || source.kind === 'bytes' ? source.name : source.path;
}
