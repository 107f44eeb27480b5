/**
 * @peftkit/vision: the image plugin of peftkit. Preprocessing with sharp (8/16-bit PNG, JPEG,
 * WebP, TIFF), DICOM/MedMNIST/IDX readers, ViT (HF names), ResNet (torchvision names) and
 * imported tfjs models with placement roles, classification heads, and presets. The plugin
 * itself is the default export of `./plugin.ts` (`@peftkit/vision/plugin`).
 */
export * from './data/index.js';
export * from './heads/index.js';
export * from './models/index.js';
export { visionPlugin } from './plugin.js';
export * from './preprocess/index.js';
export * from './presets/index.js';
