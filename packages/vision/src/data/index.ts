/** Dataset readers and file formats: image folders, CSV manifests, MedMNIST, IDX, `mnist`, DICOM. */
export { type ArrayImageDataset, arrayImageDataset, type ImageArray, imageDims } from './array-images.js';
export {
  type CsvManifest,
  type CsvManifestOptions,
  csvManifestOptions,
  csvManifestReader,
  readCsvManifest,
} from './csv-manifest.js';
export {
  DICOM_TRANSFER_SYNTAXES,
  type DicomDecodeOptions,
  DicomError,
  type DicomImage,
  decodeDicom,
  readDicom,
} from './dicom.js';
export { type DicomSpec, encodeDicom } from './dicom-writer.js';
export { encodeIdxU8, type IdxArray, parseIdx, readIdx } from './idx.js';
export { type IdxOptions, idxFiles, idxOptions, idxReader, readIdxPair } from './idx-reader.js';
export {
  DICOM_EXTENSIONS,
  DICOM_MEDIA_TYPE,
  IMAGE_EXTENSIONS,
  IMAGE_MEDIA_TYPES,
  type ImageExample,
  type ImageSource,
  isImagePath,
  sourceForPath,
  sourceName,
} from './image-example.js';
export {
  type ImageFolder,
  type ImageFolderOptions,
  imageFolderOptions,
  imageFolderReader,
  readImageFolder,
} from './image-folder.js';
export { type LoadImageOptions, loadImage } from './load-source.js';
export {
  MEDMNIST_SPLITS,
  type MedMnistData,
  type MedMnistOptions,
  type MedMnistSplit,
  medMnistOptions,
  medMnistReader,
  readMedMnist,
} from './medmnist.js';
export {
  loadMnistDigits,
  type MnistPackageOptions,
  type MnistSplit,
  mnistPackageOptions,
  mnistPackageReader,
} from './mnist-package.js';
