// A robotics demo worker (a child process of `pnpm demo robotics`): starts tfjs and the plugin host
// once, then runs the jobs it is sent one at a time (scripts/demos/worker-pool.ts).
import { createPeftkit, initBackend } from '@peftkit/core';
import { roboticsPlugin } from '@peftkit/robotics';
import { stepTrainer } from '../train-step.js';
import { serveJobs } from '../worker-pool.js';
import { describeJob, type RoboticsJob, type RoboticsJobResult, runRoboticsJob } from './jobs.js';

const cwd = process.env['PEFTKIT_DEMO_CWD'] ?? process.cwd();
const ready = (async () => {
  await initBackend();
  return createPeftkit({ plugins: [roboticsPlugin], strict: true });
})();

serveJobs<RoboticsJob, RoboticsJobResult>(async (job, log) => {
  const host = await ready;
  // Progress bars of parallel jobs would interleave: workers log commands and results only.
  const train = stepTrainer(host, { cwd, progress: 'none', log });
  // Each job's CPU seconds (this process: the jobs of a worker run one at a time), to see where
  // the demo's CPU time goes on a machine whose wall times are not its own.
  const before = process.cpuUsage();
  const result = await runRoboticsJob(host, train, job, log);
  const cpu = process.cpuUsage(before);
  log(`demo: ${describeJob(job)}: ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU`);
  return result;
});
