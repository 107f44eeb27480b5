/**
 * Settings of the seeded fuzz tests, from the environment so one suite serves both CI (small,
 * fixed) and `pnpm fuzz` (new seeds, more cases, a time budget):
 * `PEFTKIT_FUZZ_SEED` (default: the test's own seed) and `PEFTKIT_FUZZ_SCALE` (multiplies each
 * test's case count; default 1).
 *
 * @example fc.assert(property, fuzzSettings({ seed: 15, runs: 60 }));
 */
export function fuzzSettings(defaults: { seed: number; runs: number }): { seed: number; numRuns: number } {
  const seed = Number(process.env['PEFTKIT_FUZZ_SEED'] ?? defaults.seed);
  const scale = Number(process.env['PEFTKIT_FUZZ_SCALE'] ?? 1);
  return {
    seed: Number.isInteger(seed) ? seed : defaults.seed,
    numRuns: Math.max(1, Math.round(defaults.runs * (scale > 0 ? scale : 1))),
  };
}

/** How one fuzz case ended: a value, or an error the caller accepts as clean. */
export type FuzzOutcome = 'value' | 'error';

/** Bounds on one fuzz case (see `runFuzzCase`). */
export interface FuzzCaseBounds {
  /** Longest a case may take (default 2000 ms); a hang is caught by the test runner's timeout. */
  readonly maxMs?: number;
  /** Most bytes of ArrayBuffers alive after the case (default 512 MiB). */
  readonly maxArrayBufferBytes?: number;
}

/**
 * Runs one fuzz case and classifies it: `value` when `run` returns, `error` when it throws an
 * error `isClean` accepts (a `UserError`, a named parse error naming the input). Any other
 * exception is rethrown, and so is a case that took longer than `maxMs` or left more than
 * `maxArrayBufferBytes` of buffers alive: the three ways a hostile input hurts a user.
 */
export async function runFuzzCase(
  name: string,
  run: () => unknown,
  isClean: (err: unknown) => boolean,
  bounds: FuzzCaseBounds = {},
): Promise<FuzzOutcome> {
  const start = performance.now();
  let outcome: FuzzOutcome;
  try {
    await run();
    outcome = 'value';
  } catch (err) {
    if (!isClean(err)) {
      throw new Error(
        `${name}: not a clean error: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`,
        {
          cause: err,
        },
      );
    }
    outcome = 'error';
  }
  const ms = performance.now() - start;
  if (ms > (bounds.maxMs ?? 2000)) throw new Error(`${name}: took ${ms.toFixed(0)} ms`);
  const buffers = process.memoryUsage().arrayBuffers;
  if (buffers > (bounds.maxArrayBufferBytes ?? 512 * 1024 ** 2)) {
    throw new Error(`${name}: ${(buffers / 1024 ** 2).toFixed(0)} MiB of ArrayBuffers alive after the case`);
  }
  return outcome;
}

/** One edit of `mutateBytes`: flip bits of, overwrite, insert before, or cut at byte `at`. */
export interface ByteEdit {
  readonly op: 'flip' | 'set' | 'insert' | 'cut';
  /** A position, taken modulo the current length. */
  readonly at: number;
  readonly value: number;
}

/**
 * `bytes` with `edits` applied in order (a copy): the mutations a fuzzer makes to a valid file.
 * Positions wrap around the current length; `value` is used modulo 256 (`flip` xors it, at
 * least one bit).
 */
export function mutateBytes(bytes: Uint8Array, edits: readonly ByteEdit[]): Uint8Array {
  let out = bytes.slice();
  for (const e of edits) {
    if (out.length === 0) break;
    const at = e.at % out.length;
    const v = e.value & 0xff;
    if (e.op === 'flip') out[at] = (out[at] as number) ^ (v || 1);
    else if (e.op === 'set') out[at] = v;
    else if (e.op === 'cut') out = out.slice(0, at);
    else {
      const grown = new Uint8Array(out.length + 1);
      grown.set(out.subarray(0, at), 0);
      grown[at] = v;
      grown.set(out.subarray(at), at + 1);
      out = grown;
    }
  }
  return out;
}
