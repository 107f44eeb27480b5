import { CHECKS, type CheckName } from './methods.js';

/** A check the matrix knows fails in one cell, and why. */
export interface KnownFailure {
  readonly architecture: string;
  readonly method: string;
  readonly checks: readonly CheckName[];
  readonly why: string;
}

/**
 * Every check that fails today, by cell. The suite asserts that the failing checks are exactly
 * these: a fix flips the suite, and the fixed entry must be removed from here. Empty: every
 * cell passes, deviates as documented, or does not apply.
 */
export const KNOWN_FAILURES: readonly KnownFailure[] = [];

/** The known failing checks of one cell (merged over entries), in `CHECKS` order. */
export function knownFailingChecks(architecture: string, method: string): CheckName[] {
  const set = new Set(
    KNOWN_FAILURES.filter((f) => f.architecture === architecture && f.method === method).flatMap(
      (f) => f.checks,
    ),
  );
  return CHECKS.filter((c) => set.has(c));
}
