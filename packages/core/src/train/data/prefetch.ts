/** One batch load result: a batch, or the end of the data (streams learn their end by reading). */
export type LoadResult<B> = { done: false; value: B } | { done: true };

/**
 * Yields `load(start)`, `load(start + 1)`, ... in order until `end` (exclusive) or a `done`
 * result, keeping up to `depth` later loads in flight while the consumer works on the current
 * batch. Order never depends on which load finishes first: results are awaited in index order.
 *
 * If the consumer stops early (break, throw), loads already started are awaited and their
 * batches passed to `dispose` before the iterator's `return()` resolves, so prefetched tensors
 * are neither leaked nor freed behind the caller's back later.
 * `load` must not depend on when it runs (its results are a function of the index), which is
 * what keeps prefetching invisible to determinism.
 */
export async function* prefetchBatches<B>(
  start: number,
  end: number,
  load: (index: number) => Promise<LoadResult<B>>,
  depth: number,
  dispose: (batch: B) => void,
): AsyncGenerator<B, void, undefined> {
  const queue: Promise<LoadResult<B>>[] = [];
  let next = start;
  let ended = false;
  const fill = (target: number): void => {
    while (!ended && queue.length < target && next < end) {
      const p = load(next++);
      // Rejections are observed when the promise is awaited in order; this only stops Node from
      // reporting a prefetched failure as unhandled before the consumer gets there.
      p.catch(() => undefined);
      queue.push(p);
    }
  };
  try {
    for (;;) {
      if (queue.length === 0) fill(1);
      const current = queue.shift();
      if (!current) break;
      // Keep `depth` later loads running while we wait for, and then the consumer uses, this one.
      fill(depth);
      const result = await current;
      if (result.done) {
        ended = true;
        break;
      }
      yield result.value;
    }
  } finally {
    const pending = await Promise.allSettled(queue.splice(0));
    for (const r of pending) if (r.status === 'fulfilled' && !r.value.done) dispose(r.value.value);
  }
}
