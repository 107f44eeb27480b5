/**
 * An error caused by the user's input (bad flag, invalid run config, missing file, unknown
 * preset). The CLI prints its message on one line and exits non-zero without a stack trace
 * unless `--verbose`; programmatic callers can tell it apart from bugs with `instanceof`.
 *
 * @example
 * throw new UserError(`data.train: file not found: ${file}`);
 */
export class UserError extends Error {
  override readonly name: string = 'UserError';
  constructor(
    message: string,
    readonly exitCode = 2,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
