import type { Rng } from '@peftkit/core';

/** How the next token is chosen from one row of logits. */
export interface SamplingOptions {
  /** Sample instead of taking the argmax (default false: greedy). */
  doSample?: boolean;
  /** Divides the logits before sampling (default 1; must be > 0). */
  temperature?: number;
  /** Keep only the k most likely tokens (default: all). */
  topK?: number;
  /** Keep the smallest set of tokens whose probability reaches p (nucleus sampling; default 1). */
  topP?: number;
}

/** Index of the largest value (first on ties). */
export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if ((row[i] as number) > (row[best] as number)) best = i;
  return best;
}

/**
 * The next token id for one row of logits: greedy, or sampled with temperature, top-k and top-p
 * (applied in that order, as HF's logits warpers), drawing from `rng` so a seed reproduces it.
 *
 * @example chooseToken(logits, { doSample: true, temperature: 0.8, topK: 40, topP: 0.95 }, new Rng(0))
 */
export function chooseToken(logits: ArrayLike<number>, options: SamplingOptions, rng: Rng): number {
  if (!options.doSample) return argmax(logits);
  const temperature = options.temperature ?? 1;
  if (!(temperature > 0)) throw new Error(`chooseToken: temperature must be > 0, got ${temperature}`);
  const order = Array.from({ length: logits.length }, (_, i) => i).sort(
    (a, b) => (logits[b] as number) - (logits[a] as number) || a - b,
  );
  const k = Math.min(options.topK ?? order.length, order.length);
  if (!(k >= 1)) throw new Error(`chooseToken: topK must be >= 1, got ${options.topK}`);
  const kept = order.slice(0, k);
  const max = logits[kept[0] as number] as number;
  const weights = kept.map((i) => Math.exp(((logits[i] as number) - max) / temperature));
  const total = weights.reduce((s, w) => s + w, 0);
  const probs = weights.map((w) => w / total);
  const topP = options.topP ?? 1;
  if (!(topP > 0 && topP <= 1)) throw new Error(`chooseToken: topP must be in (0, 1], got ${topP}`);
  let n = probs.length;
  if (topP < 1) {
    let acc = 0;
    for (let i = 0; i < probs.length; i++) {
      acc += probs[i] as number;
      if (acc >= topP) {
        n = i + 1;
        break;
      }
    }
  }
  const mass = probs.slice(0, n).reduce((s, p) => s + p, 0);
  let u = rng.next() * mass;
  for (let i = 0; i < n; i++) {
    u -= probs[i] as number;
    if (u < 0) return kept[i] as number;
  }
  return kept[n - 1] as number;
}
