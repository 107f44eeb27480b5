/** A host-side array of numbers (plain array or typed array). */
export type Numbers = ArrayLike<number>;

/** Throws unless the arrays are non-empty and of equal length. */
export function checkPaired(
  a: ArrayLike<unknown>,
  aName: string,
  b: ArrayLike<unknown>,
  bName: string,
  caller: string,
): void {
  if (a.length !== b.length) {
    throw new Error(`${caller}: ${aName} has ${a.length} entries but ${bName} has ${b.length}`);
  }
  if (a.length === 0) throw new Error(`${caller}: no examples`);
}

/** Throws unless every label is 0 or 1; returns the counts of each. */
export function checkBinaryLabels(labels: Numbers, caller: string): { positives: number; negatives: number } {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (y !== 0 && y !== 1) throw new Error(`${caller}: labels must be 0 or 1, got ${y} at index ${i}`);
    positives += y;
  }
  return { positives, negatives: labels.length - positives };
}

/** Throws if any score is NaN or infinite (rankings of NaN are meaningless). */
export function checkFinite(values: Numbers, name: string, caller: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) throw new Error(`${caller}: ${name}[${i}] is ${values[i]}`);
  }
}
