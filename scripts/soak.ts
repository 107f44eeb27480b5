// `pnpm soak [--steps 2000] [--kills 8] [--kill-steps 60] [--seed 1] [--json]`: the reliability
// soak of docs/reliability.md. Trains the tabular example preset for --steps optimizer steps
// in-process, asserting a flat live-tensor count and bounded RSS, then kill -9s a CLI run at
// seeded random steps, restarts it each time, and asserts the result is byte-identical to an
// uninterrupted run. Exit 0 when every check holds, 1 otherwise.
import { parseArgs } from 'node:util';
import { killLoop } from './soak/kill-loop.js';
import { trainSoak } from './soak/train-soak.js';

// `pnpm soak serve ...`: the serving soak (scripts/soak/serve-main.ts) instead.
if (process.argv[2] === 'serve') {
  const { serveSoakMain } = await import('./soak/serve-main.js');
  process.exit(await serveSoakMain(process.argv.slice(3)));
}

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '2000' },
    kills: { type: 'string', default: '8' },
    'kill-steps': { type: 'string', default: '60' },
    seed: { type: 'string', default: '1' },
    'max-rss-growth-mb': { type: 'string', default: '32' },
    json: { type: 'boolean', default: false },
  },
});
const num = (k: keyof typeof values) => Number(values[k]);

const soak = await trainSoak({ steps: num('steps') });
process.stderr.write(
  `train soak: ${soak.steps} steps in ${soak.seconds.toFixed(1)} s (${soak.stepsPerSecond.toFixed(1)} it/s, ${soak.backend}); ` +
    `live tensors ${soak.samples[0]?.numTensors} at step ${soak.samples[0]?.step}, growth ${soak.tensorGrowth} (min ${soak.tensorMin}); ` +
    `after full GCs: RSS ${soak.samples[0]?.rssMB.toFixed(1)} -> ${soak.samples.at(-1)?.rssMB.toFixed(1)} MB (peak ${soak.rssPeakMB.toFixed(1)}), ` +
    `V8 heap ${soak.samples[0]?.heapMB.toFixed(1)} -> ${soak.samples.at(-1)?.heapMB.toFixed(1)} MB\n`,
);
const loop = await killLoop({ steps: num('kill-steps'), kills: num('kills'), seed: num('seed') });
process.stderr.write(
  `kill loop: ${loop.killedAfter.length} kill -9 at steps ${loop.killedAfter.join(', ')} of ${loop.steps}; restarts ${loop.restarts.join(', ')}; ` +
    `identical ${Object.entries(loop.identical)
      .map(([f, same]) => `${f}=${same}`)
      .join(', ')} (${loop.seconds.toFixed(0)} s)\n`,
);
const failures = [
  ...(soak.tensorGrowth !== 0 ? [`live tensor count grew by ${soak.tensorGrowth}`] : []),
  ...(soak.rssGrowthMB > num('max-rss-growth-mb')
    ? [`RSS grew ${soak.rssGrowthMB.toFixed(1)} MB (> ${num('max-rss-growth-mb')} MB)`]
    : []),
  ...Object.entries(loop.identical)
    .filter(([, same]) => !same)
    .map(([f]) => `${f} differs after kill -9 and resume`),
];
if (values.json) {
  process.stdout.write(`${JSON.stringify({ soak, killLoop: loop, failures }, null, 2)}\n`);
}
for (const f of failures) process.stderr.write(`soak: FAIL: ${f}\n`);
process.exitCode = failures.length ? 1 : 0;
