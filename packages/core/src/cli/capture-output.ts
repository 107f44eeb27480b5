/** What a captured call printed, with its result. */
export interface CapturedOutput<T> {
  readonly result: T;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `fn` with everything written to `process.stdout` and `process.stderr` collected instead of
 * printed: the way to test `runCli` (or a tool built on it) in-process. Streams are restored
 * even when `fn` throws; calls must not overlap (the streams are process-wide).
 *
 * @example
 * const { result: code, stdout } = await captureOutput(() => runCli(['doctor', '--json']));
 * const report = JSON.parse(stdout);
 */
export async function captureOutput<T>(fn: () => Promise<T>): Promise<CapturedOutput<T>> {
  const chunks = { stdout: [] as string[], stderr: [] as string[] };
  const original = { stdout: process.stdout.write, stderr: process.stderr.write };
  const collect =
    (into: string[]) =>
    (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      // Honour the write callback, wherever Node's overloads put it.
      const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      done?.();
      return true;
    };
  process.stdout.write = collect(chunks.stdout) as typeof process.stdout.write;
  process.stderr.write = collect(chunks.stderr) as typeof process.stderr.write;
  try {
    const result = await fn();
    return { result, stdout: chunks.stdout.join(''), stderr: chunks.stderr.join('') };
  } finally {
    process.stdout.write = original.stdout;
    process.stderr.write = original.stderr;
  }
}
