// `pnpm fuzz [--seconds N] [--scale S] [--seed K] [--round-timeout T]`: the longer fuzz run. CI runs every
// `*-fuzz.test.ts` once with its fixed seeds and case counts; this reruns them round after round,
// each round with a new seed (K, K+1, ...) and S times the cases, until N seconds are spent, and
// stops at the first failing round (or one still running after T seconds: a hang), printing the
// command that reproduces it.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '300' },
    scale: { type: 'string', default: '5' },
    seed: { type: 'string', default: String(Date.now() % 100_000) },
    'round-timeout': { type: 'string', default: '600' },
  },
});
const seconds = Number(values.seconds);
const scale = Number(values.scale);
let seed = Number(values.seed);
if (!(seconds > 0) || !(scale > 0) || !Number.isInteger(seed)) {
  process.stderr.write('pnpm fuzz: --seconds and --scale must be positive numbers, --seed an integer\n');
  process.exit(2);
}

/** Every fuzz test file of the packages. */
function fuzzFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'node_modules') continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('-fuzz.test.ts')) out.push(path.relative(root, p));
    }
  };
  walk(path.join(root, 'packages'));
  return out.sort();
}

/** One vitest run of `files` in its own process group, killed whole after `timeoutMs` (a hang). */
function runRound(
  files: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ code: number | null; output: string; hung: boolean }> {
  return new Promise((resolve) => {
    const child = spawn('npx', ['vitest', 'run', ...files], { cwd: root, env, detached: true });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      // A decoder stuck in a synchronous loop cannot be interrupted in-process: kill the group.
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, hung });
    });
  });
}

const files = fuzzFiles();
const roundTimeoutMs = Number(values['round-timeout']) * 1000;
const start = Date.now();
let rounds = 0;
process.stderr.write(
  `fuzzing ${files.length} files for ${seconds} s (scale ${scale}): ${files.join(', ')}\n`,
);
while ((Date.now() - start) / 1000 < seconds) {
  const env = { ...process.env, PEFTKIT_FUZZ_SEED: String(seed), PEFTKIT_FUZZ_SCALE: String(scale) };
  const t0 = Date.now();
  const run = await runRound(files, env, roundTimeoutMs);
  rounds += 1;
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (run.code !== 0 || run.hung) {
    process.stdout.write(run.output);
    process.stderr.write(
      `pnpm fuzz: round ${rounds} (seed ${seed}) ${run.hung ? `hung (killed after ${secs} s)` : `failed after ${secs} s`}; reproduce with\n  PEFTKIT_FUZZ_SEED=${seed} PEFTKIT_FUZZ_SCALE=${scale} npx vitest run ${files.join(' ')}\n`,
    );
    process.exit(1);
  }
  process.stderr.write(`round ${rounds}: seed ${seed} passed in ${secs} s\n`);
  seed += 1;
}
process.stdout.write(
  `fuzz: ${rounds} rounds (seeds ${seed - rounds}..${seed - 1}, scale ${scale}) passed in ${((Date.now() - start) / 1000).toFixed(0)} s\n`,
);
