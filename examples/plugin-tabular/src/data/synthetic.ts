import { Rng } from '@peftkit/core';

/** Feature scales differ on purpose: without standardisation the MLP would struggle. */
const MEANS = [0, 5, -3, 10, 0, 2];
const STDS = [1, 3, 0.5, 10, 2, 1];
export const SYNTHETIC_COLUMNS = MEANS.map((_, j) => `f${j}`);
export const SYNTHETIC_LABELS = ['low', 'mid', 'high'];

/**
 * Seeded rows for two related tasks, `source` and `target`: three classes from the argmax of a
 * fixed linear map of the standardised features. The target's map is the source's plus a
 * shift, a small domain change an adapter can learn on top of a base pretrained on the source.
 */
export function syntheticRows(
  task: 'source' | 'target',
  n: number,
  seed: number,
): { features: number[]; label: string }[] {
  const w = new Rng(7);
  const weights = SYNTHETIC_LABELS.map(() => MEANS.map(() => w.normal(0, 1)));
  if (task === 'target') {
    const shift = new Rng(11);
    for (const row of weights)
      for (let j = 0; j < row.length; j++) row[j] = (row[j] as number) + shift.normal(0, 0.8);
  }
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const z = MEANS.map(() => rng.normal(0, 1));
    const scores = weights.map((row) => row.reduce((s, wj, j) => s + wj * (z[j] as number), 0));
    const label = scores.indexOf(Math.max(...scores));
    const features = z.map((zj, j) => Number(((MEANS[j] as number) + (STDS[j] as number) * zj).toFixed(4)));
    return { features, label: SYNTHETIC_LABELS[label] as string };
  });
}

/** The same rows as CSV text with a header (`f0,...,f5,label`). */
export function syntheticCsv(task: 'source' | 'target', n: number, seed: number): string {
  const lines = [[...SYNTHETIC_COLUMNS, 'label'].join(',')];
  for (const r of syntheticRows(task, n, seed)) lines.push([...r.features, r.label].join(','));
  return `${lines.join('\n')}\n`;
}
