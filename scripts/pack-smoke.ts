/**
 * Published-tarball smoke test (CI: `.ci/run`; locally `pnpm smoke:pack`). Builds every
 * publishable package, `pnpm pack`s it, installs the tarballs into a temp project outside the
 * workspace, then with plain `node`: runs examples/multi-adapter.mjs, scaffolds a plugin with the
 * installed `peftkit` bin and trains a LoRA adapter with it, and type-checks a consumer file with
 * `tsc --strict` (no skipLibCheck). Fails on a second copy of tfjs or core, or on tfjs's
 * "already registered" warnings.
 *
 * The install is offline (`pnpm add --offline`): the tarballs' dependencies are pinned to the
 * workspace lockfile's versions (pnpm overrides), which the workspace install put in the pnpm
 * store. `--online` lets pnpm fetch what the store lacks. `--no-build` reuses existing dist/.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

const repo = fileURLToPath(new URL('..', import.meta.url));
const PACKAGES = ['core', 'nlp', 'vision', 'speech', 'robotics'];
const PNPM = ['--yes', 'pnpm@9.15.9'];
const args = new Set(process.argv.slice(2));
const started = Date.now();

function step(text: string): void {
  process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${text}\n`);
}

function sh(cmd: string, argv: string[], cwd: string): string {
  try {
    return execFileSync(cmd, argv, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PEFTKIT_BACKEND: 'cpu', HF_HUB_OFFLINE: '1' },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${cmd} ${argv.join(' ')} (in ${cwd}) failed:\n${e.stdout ?? ''}\n${e.stderr ?? e.message}`,
    );
  }
}

/** Runs `node <argv>`; fails on a non-zero exit or tfjs's "already registered" warnings. */
function nodeChecked(argv: string[], cwd: string): { stdout: string } {
  const r = spawnSync(process.execPath, argv, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, PEFTKIT_BACKEND: 'cpu', HF_HUB_OFFLINE: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`node ${argv.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  const twice = `${r.stdout}\n${r.stderr}`.match(/.*already registered.*/gi);
  if (twice)
    throw new Error(`node ${argv.join(' ')}: tfjs loaded twice (${twice.length} lines): ${twice[0]}`);
  return { stdout: r.stdout };
}

/** `name -> version` for every package the workspace lockfile pins to exactly one version. */
function lockfileOverrides(): Record<string, string> {
  const lock = parseYaml(fs.readFileSync(path.join(repo, 'pnpm-lock.yaml'), 'utf8')) as {
    packages: Record<string, unknown>;
  };
  const versions = new Map<string, Set<string>>();
  for (const key of Object.keys(lock.packages)) {
    const at = key.lastIndexOf('@');
    const name = key.slice(0, at);
    if (name.startsWith('@peftkit/')) continue;
    versions.set(name, (versions.get(name) ?? new Set()).add(key.slice(at + 1)));
  }
  return Object.fromEntries(
    [...versions].filter(([, v]) => v.size === 1).map(([n, v]) => [n, [...v][0] as string]),
  );
}

/**
 * `tsc -p` in the consumer, errors split into ours (the consumer file, `@peftkit/*` .d.ts) and
 * those inside `@tensorflow/*`'s own .d.ts: tfjs 4.22's declarations do not pass `--strict`
 * without skipLibCheck in any project (tfjs-layers' config types, the global `Long` of
 * tfjs-core), which we cannot fix here.
 */
function typeCheck(project: string): { ours: string[]; upstream: number } {
  try {
    sh(
      process.execPath,
      [path.join(project, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'],
      project,
    );
    return { ours: [], upstream: 0 };
  } catch (err) {
    const lines = (err as Error).message.split('\n').filter((l) => /error TS\d+/.test(l));
    if (lines.length === 0) throw err;
    const upstream = lines.filter((l) => /node_modules\/.*@tensorflow\/tfjs[-a-z]*\/dist\//.test(l));
    return { ours: lines.filter((l) => !upstream.includes(l)), upstream: upstream.length };
  }
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'peftkit-pack-smoke-'));
try {
  if (!args.has('--no-build')) {
    step('building packages (tsc -p tsconfig.build.json)');
    sh('npx', [...PNPM, 'build'], repo);
  }
  const tarballs = path.join(work, 'tarballs');
  fs.mkdirSync(tarballs);
  for (const p of PACKAGES) {
    step(`packing @peftkit/${p}`);
    sh('npx', [...PNPM, 'pack', '--pack-destination', tarballs], path.join(repo, 'packages', p));
  }
  const files = fs.readdirSync(tarballs).sort();
  for (const f of files) {
    const listing = sh('tar', ['tzf', path.join(tarballs, f)], work);
    if (/\.test(-d)?\.(js|d\.ts|ts)$|\/src\/.*\.ts$/m.test(listing))
      throw new Error(`${f} ships tests or sources`);
  }

  const project = path.join(work, 'consumer');
  fs.mkdirSync(project);
  fs.writeFileSync(
    path.join(project, 'package.json'),
    JSON.stringify({
      name: 'consumer',
      private: true,
      type: 'module',
      pnpm: { overrides: lockfileOverrides() },
    }),
  );
  step(`installing ${files.length} tarballs into ${project}`);
  sh(
    'npx',
    [
      ...PNPM,
      'add',
      args.has('--online') ? '--prefer-offline' : '--offline',
      ...files.map((f) => path.join(tarballs, f)),
      '@tensorflow/tfjs@4.22.0',
      'typescript@5.9.3',
      '@types/node@20.19.43',
    ],
    project,
  );
  const store = fs.readdirSync(path.join(project, 'node_modules', '.pnpm'));
  for (const prefix of ['@tensorflow+tfjs-core@', '@tensorflow+tfjs@', '@peftkit+core@']) {
    const copies = store.filter((d) => d.startsWith(prefix));
    if (copies.length !== 1) throw new Error(`expected one copy of ${prefix}, found: ${copies.join(', ')}`);
  }

  step('plain node: examples/multi-adapter.mjs on the PyTorch-made HF adapters');
  fs.cpSync(path.join(repo, 'examples', 'multi-adapter.mjs'), path.join(project, 'multi-adapter.mjs'));
  fs.cpSync(path.join(repo, 'packages/nlp/test-data/hf-peft'), path.join(project, 'hf-peft'), {
    recursive: true,
  });
  const routed = nodeChecked(['multi-adapter.mjs', 'hf-peft'], project).stdout.trim().split('\n');
  if (routed.length !== 3 || !routed[1]?.startsWith('qkv: '))
    throw new Error(`multi-adapter: ${routed.join('\n')}`);

  const bin = path.join(project, 'node_modules', '@peftkit', 'core', 'bin', 'peftkit.js');
  step('plain node: peftkit new-plugin, then LoRA training with the scaffolded plugin');
  nodeChecked([bin, 'new-plugin', 'peftkit-points', '--out', 'points'], project);
  const trained = JSON.parse(
    nodeChecked(
      [
        bin,
        '--plugin',
        './points',
        'train',
        '--json',
        '--preset',
        'points/classification',
        '--data',
        'points:?rows=120',
      ],
      project,
    ).stdout,
  ) as { status: string; files: string[] };
  if (trained.status !== 'complete' || !trained.files.includes('adapter_model.safetensors'))
    throw new Error(`train: ${JSON.stringify(trained)}`);
  const doctor = JSON.parse(nodeChecked([bin, 'doctor', '--json'], project).stdout) as {
    plugins: { id: string }[];
  };
  const ids = doctor.plugins.map((p) => p.id).sort();
  for (const id of ['nlp', 'robotics', 'speech', 'vision']) {
    if (!ids.includes(id)) throw new Error(`doctor did not discover '${id}' (found ${ids.join(', ')})`);
  }

  step('tsc --strict (no skipLibCheck) on a consumer file');
  fs.copyFileSync(path.join(repo, 'scripts/pack-smoke/consumer.ts.txt'), path.join(project, 'consumer.ts'));
  fs.writeFileSync(
    path.join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        types: ['node'],
      },
      files: ['consumer.ts'],
    }),
  );
  const tsc = typeCheck(project);
  if (tsc.ours.length) throw new Error(`tsc --strict on the consumer:\n${tsc.ours.join('\n')}`);
  step(
    `tsc: no errors in our .d.ts or the consumer (${tsc.upstream} in @tensorflow's own .d.ts, see docs/packaging.md)`,
  );
  step('pack smoke test passed');
} finally {
  if (!args.has('--keep')) fs.rmSync(work, { recursive: true, force: true });
  else process.stdout.write(`kept ${work}\n`);
}
