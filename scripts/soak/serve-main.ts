import { parseArgs } from 'node:util';
import { initBackend } from '@peftkit/core';
import { serveSoak } from './serve-soak.js';

/**
 * `pnpm soak serve [--seconds 300] [--checkpoints 10] [--clients 8] [--seed 1]
 * [--max-rss-growth-mb 64] [--json]`: the serving soak of docs/serving.md. Exit 0 when no
 * request failed, the tensor count was the same at every checkpoint, RSS stayed within bounds
 * and the server exited 0 on SIGTERM; 1 otherwise.
 */
export async function serveSoakMain(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      seconds: { type: 'string', default: '300' },
      checkpoints: { type: 'string', default: '10' },
      clients: { type: 'string', default: '8' },
      seed: { type: 'string', default: '1' },
      'max-rss-growth-mb': { type: 'string', default: '64' },
      json: { type: 'boolean', default: false },
    },
  });
  await initBackend();
  const r = await serveSoak({
    seconds: Number(values.seconds),
    checkpoints: Number(values.checkpoints),
    clients: Number(values.clients),
    seed: Number(values.seed),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const total = Object.values(r.operations).reduce((a, b) => a + b, 0);
  const first = r.samples[0];
  process.stderr.write(
    `serve soak: ${total} operations in ${r.seconds.toFixed(0)} s (${Object.entries(r.operations)
      .map(([k, n]) => `${k}: ${n}`)
      .join(', ')}); tensors ${first?.tensors} at the first checkpoint, growth ${r.tensorGrowth}; ` +
      `RSS ${first?.rssMB} -> ${r.samples.at(-1)?.rssMB} MB (peak ${r.rssPeakMB}); server exit ${r.exitCode}\n`,
  );
  const maxRss = Number(values['max-rss-growth-mb']);
  const failures = [
    ...r.errors.slice(0, 20),
    ...(r.tensorGrowth !== 0 ? [`live tensor count grew by ${r.tensorGrowth}`] : []),
    ...(r.rssGrowthMB > maxRss ? [`RSS grew ${r.rssGrowthMB.toFixed(1)} MB (> ${maxRss} MB)`] : []),
    ...(r.exitCode !== 0 ? [`server exited ${r.exitCode}`] : []),
  ];
  if (values.json) process.stdout.write(`${JSON.stringify({ ...r, failures }, null, 2)}\n`);
  for (const f of failures) process.stderr.write(`serve soak: FAIL: ${f}\n`);
  return failures.length ? 1 : 0;
}
