import { z } from 'zod';
import { UserError } from '../plugin/user-error.js';

/**
 * Bounds on what decoding one input may allocate. Every reader and decoder that turns bytes into
 * arrays checks the relevant limit from sizes it can see before allocating (a zip's declared
 * sizes, an `.npy` shape, an image header), so a small hostile file cannot become gigabytes.
 * The defaults fit a 2-core / 24 GB machine; a run raises them with a top-level `limits` block
 * of the run config (`--set limits.maxImageBytes=4294967296`).
 */
export interface InputLimits {
  /** Largest file read whole into memory as text (CSV/TSV, JSON, JSONL, YAML, manifests). */
  readonly maxFileBytes: number;
  /** Most bytes all members of one archive (`.npz`, zip) may inflate to, declared and actual. */
  readonly maxInflatedBytes: number;
  /** Most members one archive may hold. */
  readonly maxArchiveEntries: number;
  /** Largest single decoded array (an `.npy` member, an HDF5 dataset, a parquet column). */
  readonly maxArrayBytes: number;
  /**
   * Largest decoded image, as width x height x channels x 4 bytes (samples become float32),
   * computed from the header before any pixel is decoded.
   */
  readonly maxImageBytes: number;
  /** Deepest nesting of arrays/objects in a JSON or YAML document. */
  readonly maxJsonDepth: number;
}

const GiB = 1024 ** 3;

/** The defaults: generous for real datasets, small enough that a bomb fails before it swaps. */
export const DEFAULT_INPUT_LIMITS: InputLimits = Object.freeze({
  maxFileBytes: 1 * GiB,
  maxInflatedBytes: 2 * GiB,
  maxArchiveEntries: 10_000,
  maxArrayBytes: 2 * GiB,
  maxImageBytes: 1 * GiB,
  maxJsonDepth: 64,
});

const size = () => z.number().int().positive().optional();

/** The run config's `limits` block: any subset of `InputLimits`, in bytes (or levels). */
export const inputLimitsSchema = z.strictObject({
  maxFileBytes: size(),
  maxInflatedBytes: size(),
  maxArchiveEntries: size(),
  maxArrayBytes: size(),
  maxImageBytes: size(),
  maxJsonDepth: size(),
});

/** `limits` as the run config or a caller gives it: any subset. */
export type InputLimitsInput = Partial<InputLimits>;

/** `limits` with every unset field taken from `DEFAULT_INPUT_LIMITS`. */
export function resolveInputLimits(limits?: InputLimitsInput): InputLimits {
  const out: Record<string, number> = { ...DEFAULT_INPUT_LIMITS };
  for (const [k, v] of Object.entries(limits ?? {})) {
    if (v === undefined) continue;
    if (!(k in DEFAULT_INPUT_LIMITS)) throw new Error(`unknown input limit '${k}'`);
    if (!(typeof v === 'number' && v > 0)) throw new Error(`limits.${k} must be a positive number, got ${v}`);
    out[k] = v;
  }
  return Object.freeze(out) as unknown as InputLimits;
}

/** A limit of `InputLimits` was exceeded; `limit` names it so callers and tests can tell which. */
export class InputLimitError extends UserError {
  override readonly name = 'InputLimitError';
  constructor(
    readonly limit: keyof InputLimits,
    message: string,
  ) {
    super(message);
  }
}

/** `1.5 GiB` / `12.0 MiB` / `812 bytes` for messages. */
export function formatByteCount(n: number): string {
  if (n >= GiB) return `${(n / GiB).toFixed(1)} GiB`;
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

/**
 * Throws `InputLimitError` when `amount > limits[limit]`: `<what> <is> <amount>, over
 * limits.<limit> (<value>); raise it in the run config (limits.<limit>) or with --set
 * limits.<limit>=<n>`.
 *
 * @example checkLimit(limits, 'maxArrayBytes', 3e9, 'x.npz:images.npy needs') // throws
 */
export function checkLimit(
  limits: InputLimits,
  limit: keyof InputLimits,
  amount: number,
  what: string,
): void {
  const max = limits[limit];
  if (amount <= max) return;
  const bytes = limit !== 'maxArchiveEntries' && limit !== 'maxJsonDepth';
  const show = (n: number) => (bytes ? formatByteCount(n) : String(n));
  throw new InputLimitError(
    limit,
    `${what} ${show(amount)}, over limits.${limit} (${show(max)}); if the file is trusted, raise it with --set limits.${limit}=${Math.max(max * 2, Math.ceil(amount))} (or a limits block in the run config)`,
  );
}
