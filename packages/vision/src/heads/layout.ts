/** Where a head puts the base and its classifier, per architecture. */
export interface HeadLayout {
  readonly basePath: string;
  readonly headPath: string;
}

/**
 * Child names that make headed models match the family's own classifiers: HF
 * `ViTForImageClassification` (`vit.*` + `classifier`), torchvision-style `fc` for ResNets
 * (under `resnet.`, since the head must wrap the base), and `base` + `classifier` otherwise.
 */
export function headLayout(architecture: string): HeadLayout {
  if (architecture === 'vit') return { basePath: 'vit', headPath: 'classifier' };
  if (architecture === 'resnet') return { basePath: 'resnet', headPath: 'fc' };
  return { basePath: 'base', headPath: 'classifier' };
}
