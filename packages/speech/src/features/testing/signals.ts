/**
 * Test signals regenerated from formulas shared with `scripts/fixtures/features.py`, so fixtures
 * hold only reference outputs. Not exported from the package.
 */

/** A signal description as stored in the fixtures. */
export type SignalSpec =
  | { kind: 'noise'; n: number; seed: number; amplitude: number }
  | { kind: 'tones'; n: number; sr?: number; parts: [number, number, number][] }
  | { kind: 'mix'; a: SignalSpec; b: SignalSpec };

/** Uniform noise in [-amplitude, amplitude) from a 32-bit LCG (Numerical Recipes constants). */
export function lcgNoise(n: number, seed: number, amplitude: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(1664525, s) + 1013904223) >>> 0;
    out[i] = ((s / 4294967296) * 2 - 1) * amplitude;
  }
  return out;
}

/** Sum of `amp * sin(2 pi f i / sr + phase)` over `parts` (`[f, amp, phase]`). */
export function tones(
  n: number,
  sr: number,
  parts: readonly (readonly [number, number, number])[],
): Float32Array {
  const x = new Float64Array(n);
  for (const [f, a, p] of parts) {
    for (let i = 0; i < n; i++) x[i]! += a * Math.sin((2 * Math.PI * f * i) / sr + p);
  }
  return Float32Array.from(x);
}

/** The float32 signal `spec` describes. */
export function makeSignal(spec: SignalSpec): Float32Array {
  switch (spec.kind) {
    case 'noise':
      return lcgNoise(spec.n, spec.seed, spec.amplitude);
    case 'tones':
      return tones(spec.n, spec.sr ?? 16000, spec.parts);
    case 'mix': {
      const a = makeSignal(spec.a);
      const b = makeSignal(spec.b);
      return a.map((v, i) => v + b[i]!);
    }
  }
}
