/**
 * An error caused by the user's input (bad flag, missing file, unknown preset). The CLI prints
 * its message on one line and exits non-zero without a stack trace unless `--verbose`.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}
