/**
 * What the matrix passes to each method beyond `peftType`: only the options a method requires
 * and has no default for. Targets always come from the method's and the architecture's defaults
 * (`resolvePeftDefaults`), except SELECTIVE, whose config must say what trains: it runs as full
 * fine-tuning (`FULL_FINE_TUNING`), the case that applies to every architecture.
 */
export const REQUIRED_OPTIONS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  PROMPT_TUNING: { numVirtualTokens: 2 },
  PREFIX_TUNING: { numVirtualTokens: 2 },
  SELECTIVE: { trainableModules: 'full' },
};

/** The checks every cell runs, in the order of the matrix's columns. */
export const CHECKS = [
  'apply',
  'identity',
  'adaptersOnly',
  'saveLoad',
  'merge',
  'disable',
  'noLeak',
] as const;
export type CheckName = (typeof CHECKS)[number];

/**
 * Documented deviations (docs/peft-methods.md): the check's expected outcome is "differs", and
 * the cell says so instead of passing. A deviation that stops deviating fails the suite, so this
 * list stays true.
 */
export const DOCUMENTED_DEVIATIONS: Readonly<Partial<Record<CheckName, Readonly<Record<string, string>>>>> = {
  identity: {
    PROMPT_TUNING:
      'prepends trained virtual tokens (N(0, 1) at init): outputs change, per-token outputs grow by P',
    PREFIX_TUNING: 'prepends a random prefix to every attention layer: outputs change at init',
  },
  adaptersOnly: {
    BITFIT: 'trains the base biases in place (originals kept; disableAdapter restores them)',
    SELECTIVE: 'trains base parameters in place (originals kept; disableAdapter restores them)',
  },
};

/**
 * Errors a method documents for its first call rather than for `getPeftModel` (prompt tuning
 * checks the embed output's shape when it first sees it): when the first forward fails with one
 * of these, the method does not apply to the architecture.
 */
export const NOT_APPLICABLE_AT_CALL: readonly RegExp[] = [
  /^PROMPT_TUNING: the embed module \S+ must return \[B, T, /,
];
