import { isStorageError, storageErrorMessage } from '../io/storage-error.js';
import { UserError } from '../plugin/user-error.js';
import { DataError } from '../train/data/data-error.js';
import { ResumeMismatchError } from '../train/trainer/errors.js';

/** Exit codes of `peftkit` (docs/cli.md#exit-codes). */
export const EXIT = { ok: 0, failure: 1, user: 2, sigint: 130, sigterm: 143 } as const;

/** How the CLI reports an error: the one-line text and the exit code. */
export interface ClassifiedError {
  readonly code: number;
  readonly message: string;
  /** Caused by the user's input or environment (no "run with --verbose" hint). */
  readonly userCaused: boolean;
}

/**
 * Sorts an error into user-caused (exit 2, or the `UserError`'s own code: bad config, bad data,
 * a full or read-only disk, named by path) and everything else (exit 1: a bug, a diverged run).
 */
export function classifyError(err: unknown): ClassifiedError {
  const raw = err instanceof Error ? err.message : String(err);
  const message = raw.replace(/\s*\n\s*/g, '; ');
  if (err instanceof UserError) return { code: err.exitCode, message, userCaused: true };
  if (err instanceof DataError || err instanceof ResumeMismatchError) {
    return { code: EXIT.user, message, userCaused: true };
  }
  if (isStorageError(err)) return { code: EXIT.user, message: storageErrorMessage(err), userCaused: true };
  const storage = findCause(err, isStorageError);
  if (storage) return { code: EXIT.user, message: storageErrorMessage(storage), userCaused: true };
  return { code: EXIT.failure, message, userCaused: false };
}

function findCause<T>(err: unknown, test: (e: unknown) => e is T): T | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 8 && e instanceof Error; depth++) {
    if (test(e)) return e;
    e = e.cause;
  }
  return undefined;
}
