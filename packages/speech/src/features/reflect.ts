/**
 * Index of sample `i` of a signal of length `n` extended by mirror reflection without repeating
 * the edge sample (numpy's `mode="reflect"`, `torch.stft(center=True)`): ... x2 x1 | x0 x1 ... .
 * Reflects repeatedly when `i` lies more than one length outside.
 */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const j = ((i % period) + period) % period;
  return j < n ? j : period - j;
}
