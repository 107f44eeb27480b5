import * as path from 'node:path';
import type { TrainRunResult } from '../plugin/run/train-run.js';
import { UserError } from '../plugin/user-error.js';
import type { CliContext } from './context.js';
import { EXIT } from './exit-code.js';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
type TrainSignal = (typeof SIGNALS)[number];

const exitCodeOf = (s: TrainSignal) => (s === 'SIGINT' ? EXIT.sigint : EXIT.sigterm);

/**
 * Runs `train` with SIGINT/SIGTERM turned into a graceful stop: the first signal aborts the
 * signal handed to `run` (the Trainer finishes its step and writes `checkpoints/last`); a second
 * one exits at once with 130/143, as a shell user pressing Ctrl-C twice expects.
 */
export async function withInterrupts<T>(
  ctx: Pick<CliContext, 'log'>,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<{ result: T; signal: TrainSignal | undefined }> {
  const controller = new AbortController();
  let received: TrainSignal | undefined;
  const handlers = SIGNALS.map((name) => {
    const handler = () => {
      if (received !== undefined) {
        ctx.log(`peftkit: ${name} again: aborting without a checkpoint`);
        process.exit(exitCodeOf(name));
      }
      received = name;
      ctx.log(
        `peftkit: ${name}: finishing the current step and writing a checkpoint (press Ctrl-C again to abort now)`,
      );
      controller.abort(name);
    };
    process.on(name, handler);
    return [name, handler] as const;
  });
  try {
    return { result: await run(controller.signal), signal: received };
  } finally {
    for (const [name, handler] of handlers) process.off(name, handler);
  }
}

/**
 * The error that ends an interrupted `train`/`pretrain` (after its result is printed): one line
 * with the exact command that resumes the run, exit 130 (SIGINT) or 143 (SIGTERM).
 */
export function interruptedError(
  ctx: CliContext,
  result: TrainRunResult,
  signal: TrainSignal | undefined,
): UserError {
  const shown = path.relative(ctx.cwd, result.outputDir) || '.';
  const quote = (s: string) => (/^[\w./@:+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const pluginFlags = ctx
    .globalArgs()
    .map((a) => ` ${quote(a)}`)
    .join('');
  return new UserError(
    `interrupted by ${signal ?? 'a signal'} after step ${result.summary.steps}; checkpoint written to ` +
      `${path.join(shown, 'checkpoints', 'last')}; resume with: peftkit${pluginFlags} train --resume ${quote(shown)}`,
    exitCodeOf(signal ?? 'SIGINT'),
  );
}
