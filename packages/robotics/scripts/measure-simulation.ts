// Measures the simulation layer: env steps/s, expert success rates in default and shifted
// physics, and the wall time of 20 rollouts of 200 steps. Run from the repo root:
//   npx tsx packages/robotics/scripts/measure-simulation.ts [--json]
import { loadavg } from 'node:os';
import { type EnvSpec, makeEnv } from '../src/envs/index.js';
import { makeExpert } from '../src/experts/index.js';
import { runRollouts } from '../src/rollout/index.js';

const ENVS: { name: string; spec: EnvSpec }[] = [
  { name: 'cartpole balance', spec: { id: 'cartpole', task: 'balance', terminateAngle: null } },
  { name: 'cartpole swingup', spec: { id: 'cartpole', task: 'swingup' } },
  { name: 'reacher', spec: { id: 'reacher' } },
];

const SHIFTS: { name: string; spec: EnvSpec }[] = [
  { name: 'cartpole balance', spec: { id: 'cartpole', task: 'balance' } },
  { name: 'cartpole balance, poleMass x2', spec: { id: 'cartpole', task: 'balance', poleMass: 1 } },
  { name: 'cartpole balance, gear x0.5', spec: { id: 'cartpole', task: 'balance', gear: 10 } },
  {
    name: 'cartpole balance, friction x3',
    spec: { id: 'cartpole', task: 'balance', cartFriction: 1.5, cartDamping: 0.3 },
  },
  { name: 'cartpole swingup', spec: { id: 'cartpole', task: 'swingup' } },
  { name: 'cartpole swingup, poleMass x2', spec: { id: 'cartpole', task: 'swingup', poleMass: 1 } },
  { name: 'cartpole swingup, gear x0.5', spec: { id: 'cartpole', task: 'swingup', gear: 10 } },
  {
    name: 'cartpole swingup, friction x3',
    spec: { id: 'cartpole', task: 'swingup', cartFriction: 1.5, cartDamping: 0.3 },
  },
  { name: 'reacher', spec: { id: 'reacher' } },
  { name: 'reacher, link masses x2', spec: { id: 'reacher', link1Mass: 0.1, link2Mass: 0.1 } },
  { name: 'reacher, gear x0.5', spec: { id: 'reacher', gear: 0.025 } },
  { name: 'reacher, friction x3', spec: { id: 'reacher', jointFriction: 0.006 } },
  {
    name: 'reacher, new goal region',
    spec: { id: 'reacher', goalAngle: [Math.PI / 2, Math.PI], goalRadius: [0.15, 0.2] },
  },
];

async function stepsPerSecond(spec: EnvSpec, steps: number): Promise<number> {
  const env = await makeEnv(spec);
  const action = new Array(env.actionSpace.size).fill(0);
  let best = 0;
  for (let rep = 0; rep < 3; rep++) {
    let seed = 0;
    env.reset(seed);
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) {
      action[0] = Math.sin(i / 7);
      const r = env.step(action);
      if (r.terminated || r.truncated) env.reset(++seed);
    }
    best = Math.max(best, steps / ((performance.now() - t0) / 1000));
  }
  env.dispose();
  return best;
}

const load = loadavg()[0];
const throughput = [];
for (const { name, spec } of ENVS)
  throughput.push({ env: name, stepsPerSecond: Math.round(await stepsPerSecond(spec, 50_000)) });

const success = [];
for (const { name, spec } of SHIFTS) {
  const own = await makeExpert(spec);
  const r = await runRollouts(spec, own.act, { episodes: 50, record: false });
  own.dispose();
  const base = await makeExpert({ ...spec, ...defaultsOf(spec) } as EnvSpec);
  const unadapted = await runRollouts(spec, base.act, { episodes: 50, record: false });
  base.dispose();
  success.push({
    env: name,
    expertPcSuccess: r.aggregated.pc_success,
    defaultExpertPcSuccess: unadapted.aggregated.pc_success,
  });
}

const rollouts = [];
for (const { name, spec } of ENVS) {
  const timedSpec = { ...spec, maxSteps: 200, successSteps: 20, terminateAngle: null } as EnvSpec;
  if (spec.id === 'reacher') delete (timedSpec as { terminateAngle?: unknown }).terminateAngle;
  const expert = await makeExpert(timedSpec);
  const sequential = await runRollouts(timedSpec, expert.act, { episodes: 20 });
  const batched = await runRollouts(
    timedSpec,
    { actBatch: (obs) => obs.map(expert.act) },
    { episodes: 20, parallel: 20 },
  );
  expert.dispose();
  rollouts.push({
    env: name,
    episodes: 20,
    steps: 200,
    sequentialSeconds: sequential.aggregated.eval_s,
    batchedSeconds: batched.aggregated.eval_s,
  });
}

const doc = {
  date: new Date().toISOString(),
  node: process.version,
  loadAverageAtStart: load,
  throughput,
  success,
  rollouts,
};
if (process.argv.includes('--json')) console.log(JSON.stringify(doc, null, 2));
else {
  console.log(`load average at start: ${load?.toFixed(1)}`);
  console.table(throughput);
  console.table(success);
  console.table(rollouts);
}

/** The spec's env with default physics (keeping the task), for the unadapted expert. */
function defaultsOf(spec: EnvSpec): Partial<EnvSpec> {
  const keep: Record<string, unknown> = { id: spec.id };
  if ('task' in spec) keep['task'] = spec.task;
  const reset: Record<string, undefined> = {};
  for (const k of Object.keys(spec)) if (!(k in keep)) reset[k] = undefined;
  return { ...reset, ...keep } as Partial<EnvSpec>;
}
