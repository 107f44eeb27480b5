/** Which rule picked the learning rate. */
export type LrSuggestionRule = 'steepest' | 'edge';

export interface LrSuggestion {
  lr: number;
  rule: LrSuggestionRule;
  /** Index into the curve of the point the rule chose (for `edge`: where the loss starts rising, before /10). */
  index: number;
  /** Why, for people. */
  reason: string;
}

/** Relative drop of the smoothed loss below which the curve counts as flat. */
export const FLAT_CURVE_DROP = 0.02;
/** Relative rise above the running minimum that marks where training starts to break. */
export const EDGE_RISE = 0.05;

/**
 * Picks a learning rate from a range test's smoothed loss curve (learning rates growing
 * exponentially). Steepest descent: among the points after the first `skipStart` share and up to
 * the minimum, the one where the loss falls fastest per decade of learning rate: a central
 * difference in log10 lr over `window` points each side (default: a twelfth of the curve, at least
 * 1), so batch-to-batch noise in a slowly moving stretch does not pass for a descent.
 *
 * Fallback, when the loss never drops by more than {@link FLAT_CURVE_DROP} of its starting value
 * (a flat curve: both the slope and the position of the minimum are noise) or nothing before the
 * minimum falls: the **edge rule**, a tenth of the learning rate at which the loss (a centred
 * running median of `options.losses` when given, else the smoothed curve) first rises
 * {@link EDGE_RISE} above its running minimum (where training starts to break; the last lr
 * of the sweep if it never does). This is Smith's "an order of magnitude below where the loss
 * blows up", and unlike the minimum of a flat curve it does not land on the noise at 1e-7.
 *
 * @example
 * suggestLr([1e-5, 1e-4, 1e-3, 1e-2], [2.3, 2.2, 1.5, 4]); // { lr: 1e-4 or 1e-3, rule: 'steepest', ... }
 */
export interface SuggestLrOptions {
  /**
   * Raw per-step losses. The edge rule then reads a centred running median of them (half-width
   * a twenty-fourth of the curve) instead of the moving average, which lags: at 100 steps over
   * 7 decades the average trails the raw loss by more than a decade of lr.
   */
  losses?: readonly number[];
  /** Share of the curve skipped at the start (default 0.1). */
  skipStart?: number;
  /** Half-width of the slope's central difference, in points (default a twelfth of the curve). */
  window?: number;
}

export function suggestLr(
  lrs: readonly number[],
  smoothed: readonly number[],
  options: SuggestLrOptions = {},
): LrSuggestion {
  const skipStart = options.skipStart ?? 0.1;
  const window = options.window ?? Math.max(1, Math.round(lrs.length / 12));
  if (lrs.length !== smoothed.length || lrs.length < 3) {
    throw new Error(
      `suggestLr: need at least 3 points of (lr, loss), got ${lrs.length} and ${smoothed.length}`,
    );
  }
  let minIdx = 0;
  for (let i = 1; i < smoothed.length; i++) if (smoothed[i]! < smoothed[minIdx]!) minIdx = i;
  const edge = (why: string): LrSuggestion => {
    const curve =
      options.losses && options.losses.length === lrs.length
        ? centredMedian(options.losses, Math.max(1, Math.round(lrs.length / 24)))
        : smoothed;
    let at = curve.length - 1;
    let low = curve[0]!;
    for (let i = 1; i < curve.length; i++) {
      if (curve[i]! > low * (1 + EDGE_RISE)) {
        at = i;
        break;
      }
      low = Math.min(low, curve[i]!);
    }
    const where =
      at === curve.length - 1 && !(curve[at]! > low * (1 + EDGE_RISE))
        ? `the loss never rises up to lr ${lrs[at]!.toExponential(2)}`
        : `the loss starts rising at lr ${lrs[at]!.toExponential(2)}`;
    return { lr: lrs[at]! / 10, rule: 'edge', index: at, reason: `${why}; ${where}: a tenth of it` };
  };
  const start = Math.min(Math.floor(lrs.length * skipStart), Math.max(0, minIdx - 1));
  const first = smoothed[start]!;
  const drop = (first - smoothed[minIdx]!) / Math.max(Math.abs(first), 1e-12);
  if (!(drop > FLAT_CURVE_DROP)) {
    return edge(`the loss falls by ${(100 * Math.max(0, drop)).toFixed(1)}% only (flat curve)`);
  }
  const log = lrs.map((v) => Math.log10(v));
  let best = -1;
  let bestSlope = 0;
  const last = lrs.length - 1;
  for (let i = Math.max(start, 1); i <= Math.min(minIdx, last - 1); i++) {
    const a = Math.max(0, i - window);
    const b = Math.min(last, i + window);
    const slope = (smoothed[b]! - smoothed[a]!) / (log[b]! - log[a]!);
    if (slope < bestSlope) {
      bestSlope = slope;
      best = i;
    }
  }
  if (best < 0) return edge('no point before the minimum has a falling loss');
  return {
    lr: lrs[best]!,
    rule: 'steepest',
    index: best,
    reason: `steepest fall of the smoothed loss (${bestSlope.toFixed(3)} per decade of lr)`,
  };
}

/** Median of each point's neighbourhood `[i - w, i + w]` (clipped at the ends): no lag, robust to spikes. */
function centredMedian(values: readonly number[], w: number): number[] {
  return values.map((_, i) => {
    const part = values.slice(Math.max(0, i - w), i + w + 1).sort((a, b) => a - b);
    const mid = part.length >> 1;
    return part.length % 2 ? part[mid]! : (part[mid - 1]! + part[mid]!) / 2;
  });
}
