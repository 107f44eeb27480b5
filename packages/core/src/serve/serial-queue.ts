/**
 * Runs async tasks one at a time, in submission order. The server puts everything that touches
 * the shared model on one queue (forward passes, adapter loads and unloads), so an adapter is
 * never deleted while a batch is using it.
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Resolves once every task submitted so far has settled. */
  idle(): Promise<void> {
    return this.tail;
  }
}
