import { UserError } from '../user-error.js';

/**
 * An invalid run config. Each problem names the path (`training.lr must be > 0`) and, when
 * known, the layer that set the value; the message joins them on one line for the CLI.
 */
export class RunConfigError extends UserError {
  override readonly name = 'RunConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid run config: ${problems.join('; ')}`);
  }
}
