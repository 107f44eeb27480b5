/**
 * Raised when a step produces a NaN/Inf loss or gradient. The parameters are left as they were
 * after the last good step (the bad update is never applied), and `lastCheckpoint` names the
 * newest checkpoint on disk, which stays loadable.
 */
export class TrainingDivergedError extends Error {
  override readonly name = 'TrainingDivergedError';

  constructor(
    readonly step: number,
    readonly what: string,
    readonly lastCheckpoint: string | null,
  ) {
    super(
      `training diverged at step ${step}: ${what}. The update was not applied. ` +
        (lastCheckpoint
          ? `Last good checkpoint: ${lastCheckpoint} (resume with resumeFrom, e.g. with a lower lr).`
          : 'No checkpoint was written yet.'),
    );
  }
}

/**
 * A checkpoint that cannot continue this run as configured: other trajectory settings (with
 * `strictResume`), another parameter layout, a changed dataset. The user's to fix (the CLI
 * exits 2): resume with the run's own settings, or pass `strictResume: false`.
 */
export class ResumeMismatchError extends Error {
  override readonly name = 'ResumeMismatchError';
}
