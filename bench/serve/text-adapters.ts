import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { captureOutput, loadSafetensors, Rng, runCli, saveSafetensors } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';

/** The repository root: the CLI run from here finds the workspace's domain plugins. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What `buildTextAdapters` wrote. */
export interface TextAdapters {
  /** `--adapters` directory: `a1`..`aN`, LoRA r=8 sentiment adapters on one base. */
  readonly adaptersDir: string;
  readonly names: readonly string[];
  /** The shared base checkpoint (the seed run's `base/`). */
  readonly baseDir: string;
  /** `peftkit merge` of `a1`: the reference single model. */
  readonly mergedDir: string;
  /** `--adapters` directory holding only `a1` (what the merged server runs next to). */
  readonly singleDir: string;
  /** A LoRA r=8 adapter directory outside the served set, for hot-load timing. */
  readonly spareDir: string;
  /** Sentences to send. */
  readonly inputs: readonly string[];
}

const TINY_BERT = [
  '--set',
  'model.config={hidden_size: 64, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 128}',
  '--set',
  'preprocess.options.maxLength=32',
  '--set',
  'preprocess.options.vocabSize=2000',
  // The preset adapts the word embedding too since 2026-12-07; the bench keeps the q/v LoRA its
  // earlier numbers (docs/benchmarks.md) were measured with, so they stay comparable.
  '--set',
  'peft.targetRoles=[attn.q, attn.v]',
];

async function cli(argv: string[]): Promise<Record<string, unknown>> {
  const r = await captureOutput(() => runCli(argv, { cwd: REPO_ROOT }));
  if (r.result !== 0) throw new Error(`peftkit ${argv.join(' ')}: exit ${r.result}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/**
 * Trains one tiny-BERT sentiment run (`nlp/sentiment` with LoRA r=8 on attn.q/attn.v only, classifier in
 * modules_to_save) for a few steps, then derives `count` adapters from it on the same base, each
 * with its own seeded random LoRA B and classifier (training eight runs would take minutes;
 * serving cost does not depend on how good the weights are), and merges the first.
 */
export async function buildTextAdapters(root: string, count: number): Promise<TextAdapters> {
  const seed = path.join(root, 'seed');
  await cli([
    'train',
    '--json',
    '--preset',
    'nlp/sentiment',
    '--out',
    seed,
    '--max-steps',
    '2',
    ...TINY_BERT,
  ]);
  const adaptersDir = path.join(root, 'adapters');
  const names = Array.from({ length: count }, (_, i) => `a${i + 1}`);
  for (const [i, name] of names.entries()) await deriveAdapter(seed, path.join(adaptersDir, name), i + 1);
  // Inside the adapters dir (POST /v1/adapters loads only from there), one level down so the
  // server does not list it at start.
  const spareDir = path.join(adaptersDir, 'spare', 'hot');
  await deriveAdapter(seed, spareDir, 1000);
  const singleDir = path.join(root, 'single');
  await fs.mkdir(singleDir, { recursive: true });
  await fs.cp(path.join(adaptersDir, 'a1'), path.join(singleDir, 'a1'), { recursive: true });
  const mergedDir = path.join(root, 'merged');
  await cli(['merge', '--json', '--adapter', path.join(adaptersDir, 'a1'), '--out', mergedDir]);
  return {
    adaptersDir,
    names,
    baseDir: path.join(seed, 'base'),
    mergedDir,
    singleDir,
    spareDir,
    inputs: SENTENCES,
  };
}

/** A copy of the seed run's adapter files pointing at its base, with seeded random weights. */
async function deriveAdapter(seed: string, dir: string, rngSeed: number): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  for (const f of await fs.readdir(seed)) {
    if (['base', 'checkpoints', 'report.html', 'metrics.jsonl'].includes(f)) continue;
    await fs.cp(path.join(seed, f), path.join(dir, f), { recursive: true });
  }
  const manifestFile = path.join(dir, 'peftkit-run.json');
  const manifest = JSON.parse(await fs.readFile(manifestFile, 'utf8'));
  await fs.writeFile(manifestFile, JSON.stringify({ ...manifest, base: path.join(seed, 'base') }));
  const weightsFile = path.join(dir, 'adapter_model.safetensors');
  const { tensors } = await loadSafetensors(weightsFile);
  const rng = new Rng(rngSeed);
  const out = new Map<string, tf.Tensor>();
  for (const [key, t] of tensors) {
    // LoRA A is already random; B (zero at init) and the classifier make each adapter its own.
    out.set(key, key.includes('lora_A') ? t : tf.tensor(randomValues(rng, t.size), t.shape));
  }
  await saveSafetensors(weightsFile, out, { format: 'pt' });
  for (const t of new Set([...tensors.values(), ...out.values()])) t.dispose();
}

function randomValues(rng: Rng, n: number): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.normal(0, 0.1);
  return v;
}

const SENTENCES = [
  'The food was great and the staff friendly.',
  'Cold fries and a rude waiter.',
  'I would come back any time.',
  'Worst service I have had in years.',
  'A fine place for a quick lunch.',
  'The soup was bland and overpriced.',
  'Lovely atmosphere, slow kitchen.',
  'Never again.',
];
