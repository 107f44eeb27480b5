import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { readTrainerState } from '../../train/trainer/checkpoint-io.js';
import { UserError } from '../user-error.js';
import { RUN_FILES } from './run-files.js';
import type { RunFailure, RunManifest } from './run-manifest.js';

/** This process, as recorded in a run manifest's `owner`. */
export function currentOwner(): { pid: number; host: string } {
  return { pid: process.pid, host: os.hostname() };
}

/** Step of `<runDir>/checkpoints/last`, or null when the run has no readable checkpoint. */
export async function lastCheckpointStep(runDir: string): Promise<number | null> {
  return readTrainerState(path.join(runDir, 'checkpoints', 'last')).then(
    (s) => s.step,
    () => null,
  );
}

/**
 * Whether the process that wrote a `running` manifest may still be training it: same host and
 * its pid alive (another host's process cannot be checked, so it counts as alive).
 */
function ownerMayBeAlive(m: RunManifest): boolean {
  if (!m.owner) return false;
  if (m.owner.host !== os.hostname()) return true;
  if (m.owner.pid === process.pid) return false;
  try {
    process.kill(m.owner.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Refuses a run another live process is training (a second writer would corrupt it). */
export function assertNotTrainingElsewhere(out: string, prior: RunManifest): void {
  if (prior.status === 'running' && ownerMayBeAlive(prior)) {
    throw new UserError(
      `${out} already holds a run that process ${prior.owner?.pid} on ${prior.owner?.host} is training; wait for it or choose another --out`,
    );
  }
}

function describeStop(m: RunManifest): string {
  if (m.status === 'running') return 'was killed';
  const why = m.failure ? `: ${m.failure.reason}` : '';
  return `${m.status === 'interrupted' ? 'was interrupted' : 'failed'}${why}`;
}

/**
 * Decides what `train` without `--resume` does with an existing run in `out`. A run that stopped
 * (failed, interrupted, or `running` with its process gone) before its first checkpoint holds
 * nothing worth keeping: its stale outputs are removed and it starts again in place, and the
 * returned note says so. Anything else is refused with the command that continues it.
 */
export async function restartOrRefuse(out: string, shownOut: string, prior: RunManifest): Promise<string> {
  assertNotTrainingElsewhere(out, prior);
  const step = await lastCheckpointStep(out);
  if (step === null && prior.status !== 'complete') {
    await fs.rm(path.join(out, 'checkpoints'), { recursive: true, force: true });
    await fs.rm(path.join(out, 'summary.json'), { force: true });
    for (const f of ['lr-finder.svg', 'lr-finder.json']) await fs.rm(path.join(out, f), { force: true });
    return `note: ${out} holds a run that ${describeStop(prior)} before its first checkpoint; starting it again in place`;
  }
  const state =
    prior.status === 'complete' ? '' : ` (it ${describeStop(prior)}; checkpoints/last is at step ${step})`;
  throw new UserError(
    `${out} already holds a run; pass --resume ${shownOut} to continue it, or choose another --out${state}`,
  );
}

/**
 * The one-line refusal for `--resume` on a run with nothing to resume from, saying what to do
 * instead; undefined when `resumeFrom` is not a run directory or has a checkpoint.
 */
export async function nothingToResume(resumeFrom: string): Promise<UserError | undefined> {
  const manifestFile = path.join(resumeFrom, RUN_FILES.manifest);
  const text = await fs.readFile(manifestFile, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const hasDirect = await fs.access(path.join(resumeFrom, 'trainer_state.json')).then(
    () => true,
    () => false,
  );
  if (hasDirect || (await lastCheckpointStep(resumeFrom)) !== null) return undefined;
  let m: Partial<RunManifest> = {};
  try {
    m = JSON.parse(text) as Partial<RunManifest>;
  } catch {
    // A malformed manifest: the generic message below still applies.
  }
  const how =
    m.status === 'running' || m.status === 'failed' || m.status === 'interrupted'
      ? `it ${describeStop(m as RunManifest)} before its first checkpoint`
      : 'it has no checkpoints/last';
  return new UserError(
    `--resume ${resumeFrom}: nothing to resume, ${how}; rerun the same command without --resume to start it again in place`,
  );
}

/** The `failure` record of a run that stopped on `err` or a signal. */
export async function failureRecord(runDir: string, reason: string): Promise<RunFailure> {
  return {
    reason: reason.replace(/\s*\n\s*/g, '; ').slice(0, 2000),
    step: await lastCheckpointStep(runDir),
    at: new Date().toISOString(),
  };
}
