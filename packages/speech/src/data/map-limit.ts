/**
 * `Promise.all(items.map(fn))` with at most `limit` calls in flight: readers probe thousands of
 * files, and opening all of them at once exhausts file descriptors. Results keep input order;
 * the first rejection rejects the whole call.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
