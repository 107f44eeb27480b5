/**
 * One seeded random stream for the whole process, so that weight init, dropout masks and data
 * shuffles are reproducible from a single `setSeed(n)` and can be saved/restored for exact resume.
 *
 * The generator is xoshiro128** (small state, good statistical quality, 32-bit arithmetic only).
 */

/** Serializable generator state: four unsigned 32-bit words. */
export type RngState = readonly [number, number, number, number];

function splitMix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A seeded pseudo-random generator with exportable state. */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal: number | undefined;

  constructor(seed: number) {
    this.reseed(seed);
  }

  reseed(seed: number): void {
    if (!Number.isFinite(seed)) throw new Error(`Rng: seed must be a finite number, got ${seed}`);
    const next = splitMix32(Math.floor(seed));
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    // xoshiro must not start from the all-zero state.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    this.spareNormal = undefined;
  }

  /** Next unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform float in [0, 1) with 32 bits of randomness. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform float in [low, high). */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`Rng.int: n must be a positive integer, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** Standard normal sample (Box-Muller, caching the second value). */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== undefined) {
      const v = this.spareNormal;
      this.spareNormal = undefined;
      return mean + std * v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** A fresh integer seed for APIs that take one (tf.randomUniform, tf.dropout). */
  nextSeed(): number {
    return this.nextUint32();
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }

  getState(): RngState {
    // The cached normal is dropped on restore, so flush it to keep save/restore exact.
    this.spareNormal = undefined;
    return [this.s0, this.s1, this.s2, this.s3];
  }

  setState(state: RngState): void {
    if (state.length !== 4 || state.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
      throw new Error('Rng.setState: expected four unsigned 32-bit integers');
    }
    [this.s0, this.s1, this.s2, this.s3] = state;
    this.spareNormal = undefined;
  }
}

const DEFAULT_SEED = 42;
let globalRng = new Rng(DEFAULT_SEED);

/** Seeds the process-wide generator used by every init, dropout and shuffle in peftkit. */
export function setSeed(seed: number): void {
  globalRng = new Rng(seed);
}

/** The process-wide generator. */
export function getRng(): Rng {
  return globalRng;
}

let recording: number[] | undefined;
let replaying: { seeds: readonly number[]; next: number } | undefined;

/**
 * A fresh integer seed drawn from the process-wide generator (or, inside `replaySeeds`, the next
 * recorded one).
 */
export function nextSeed(): number {
  if (replaying) {
    const s = replaying.seeds[replaying.next++];
    if (s === undefined) throw new Error('replaySeeds: the function drew more seeds than were recorded');
    return s;
  }
  const s = globalRng.nextSeed();
  recording?.push(s);
  return s;
}

/**
 * Runs `fn` and returns the seeds it drew with `nextSeed` (dropout masks, random inits), so that
 * `replaySeeds` can run the same computation again with the same randomness: how gradient
 * checkpointing recomputes a block with the same dropout masks.
 */
export function recordSeeds<T>(fn: () => T): { result: T; seeds: number[] } {
  const outer = recording;
  const seeds: number[] = [];
  recording = seeds;
  try {
    const result = fn();
    outer?.push(...seeds);
    return { result, seeds };
  } finally {
    recording = outer;
  }
}

/**
 * Runs `fn` with `nextSeed` returning `seeds` in order instead of drawing from the generator,
 * whose state is left untouched. Throws if `fn` draws more seeds than given.
 */
export function replaySeeds<T>(seeds: readonly number[], fn: () => T): T {
  const outer = replaying;
  const outerRecording = recording;
  replaying = { seeds, next: 0 };
  recording = undefined;
  try {
    return fn();
  } finally {
    replaying = outer;
    recording = outerRecording;
  }
}
