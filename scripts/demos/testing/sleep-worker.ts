// A worker-pool child for tests: each job waits `ms` milliseconds and answers with its name.
import { serveJobs } from '../worker-pool.js';

serveJobs<{ name: string; ms: number }, string>(async (job) => {
  await new Promise((resolve) => setTimeout(resolve, job.ms));
  return job.name;
});
