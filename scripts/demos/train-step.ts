import { type PeftkitHost, type TrainRunResult, trainRun, UserError } from '@peftkit/core';
import { type CliStep, resolveStep, stepCommand } from './cli-step.js';

/** Seconds since `from` (a `performance.now()` reading). */
export const seconds = (from: number) => (performance.now() - from) / 1000;

/** One CLI step run in-process: its result, wall time and the command line it stands for. */
export interface TrainedStep {
  readonly result: TrainRunResult;
  readonly seconds: number;
  readonly command: string;
}

export type Train = (step: CliStep) => Promise<TrainedStep>;

export interface TrainerOptions {
  /** Paths in printed commands are relative to this. */
  readonly cwd: string;
  /** Training progress on stderr ('auto': a bar on a TTY). */
  readonly progress: 'auto' | 'plain' | 'none';
  readonly log: (line: string) => void;
}

/**
 * Runs `peftkit pretrain` / `peftkit train` steps in-process (one tfjs start-up for the whole
 * demo), each resolved exactly as the printed command would be, and logs that command first.
 */
export function stepTrainer(host: PeftkitHost, o: TrainerOptions): Train {
  return async (step) => {
    const command = stepCommand(step, o.cwd);
    o.log(`demo: ${command}`);
    const config = await resolveStep(host, step);
    const t0 = performance.now();
    const result = await trainRun(host, { config, outDir: step.out, progress: o.progress, log: o.log });
    return { result, seconds: seconds(t0), command };
  };
}

/**
 * Trains `step`, or returns why the method cannot run on this architecture: a method with no
 * matching roles or module types fails with a `peft: ...` user error before any training, and a
 * demo shows that as a skipped row instead of stopping.
 */
export async function trainOrSkip(
  train: Train,
  step: CliStep,
): Promise<{ trained: TrainedStep } | { skipped: string }> {
  try {
    return { trained: await train(step) };
  } catch (err) {
    if (err instanceof UserError && err.message.startsWith('peft:')) {
      return { skipped: err.message.replace(/^peft:\s*/, '') };
    }
    throw err;
  }
}
