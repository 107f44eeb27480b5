import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PYTHON = '/usr/bin/python3';

/** The PyTorch run of the same step (bench/torch-step.py), or why there is none. */
export type TorchResult =
  | { ok: true; torch: string; threads: number; medianStepMs: Record<string, number> }
  | { ok: false; reason: string };

/**
 * Runs bench/torch-step.py on one thread when `/usr/bin/python3 -c 'import torch'` works. Never
 * required: without PyTorch the bench reports why and carries on.
 */
export function torchStep(quick: boolean): TorchResult {
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    return { ok: false, reason: `${PYTHON} -c 'import torch' failed` };
  }
  const script = join(dirname(fileURLToPath(import.meta.url)), 'torch-step.py');
  const run = spawnSync(PYTHON, [script, '--threads', '1', ...(quick ? ['--quick', '--steps', '3'] : [])], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
  });
  if (run.status !== 0)
    return { ok: false, reason: `torch-step.py failed: ${run.stderr.trim().split('\n').pop()}` };
  const parsed: unknown = JSON.parse(run.stdout);
  return {
    ok: true,
    ...(parsed as { torch: string; threads: number; medianStepMs: Record<string, number> }),
  };
}
