// A robotics demo worker (a child process of `pnpm demo robotics`): starts tfjs and the plugin host
// once, then runs the jobs it is sent one at a time (scripts/demos/worker-pool.ts).
import { createPeftkit, initBackend } from '@peftkit/core';
import { roboticsPlugin } from '@peftkit/robotics';
import { stepTrainer } from '../train-step.js';
import { serveJobs } from '../worker-pool.js';
import { type RoboticsJob, type RoboticsJobResult, runRoboticsJob } from './jobs.js';

const cwd = process.env['PEFTKIT_DEMO_CWD'] ?? process.cwd();
const ready = (async () => {
  await initBackend();
  return createPeftkit({ plugins: [roboticsPlugin], strict: true });
})();

serveJobs<RoboticsJob, RoboticsJobResult>(async (job, log) => {
  const host = await ready;
  // Progress bars of parallel jobs would interleave: workers log commands and results only.
  const train = stepTrainer(host, { cwd, progress: 'none', log });
  return runRoboticsJob(host, train, job, log);
});
