/**
 * `pnpm quality [--minutes 15] [--seeds 42,43] [--datasets review-source,review-domain]
 * [--epochs n | --max-steps n] [--out runs/quality] [--doc docs/quality.md]`: trains the classification presets on
 * datasets the demos do not use, for LoRA (the preset's default), IA3, bottleneck adapters, full
 * fine-tuning, `peftkit suggest` at a 1% budget and AdaLoRA, several seeds, and writes the test-split
 * table to docs/quality.md. Not part of CI (minutes of training); table.test.ts covers the table.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createPeftkit,
  evaluateRun,
  initBackend,
  loadRun,
  type PeftkitHost,
  type RunConfig,
  readRunManifest,
  resolveRunConfig,
  setFlagLayers,
  suggestRun,
  trainRun,
} from '@peftkit/core';
import { nlpPlugin } from '@peftkit/nlp';
import { reviewDomainDataset, reviewSourceDataset, type SuiteDataset } from './datasets.js';
import { majorityMacroF1, markdownTable, type SuiteRun, summarise } from './table.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BASE = path.join(ROOT, 'scripts/demos/nlp/base');

interface Method {
  readonly id: string;
  readonly set: readonly string[];
  /** Build the peft block with `peftkit suggest` at this share of the base's parameters. */
  readonly suggestPercent?: number;
}

const ADALORA = '{peftType: ADALORA, initR: 12, targetR: 8, loraAlpha: 16, tinit: 15, tfinal: 30, deltaT: 5}';

const METHODS: readonly Method[] = [
  { id: 'lora', set: [] },
  { id: 'ia3', set: ['peft={peftType: IA3}'] },
  { id: 'bottleneck', set: ['peft={peftType: BOTTLENECK}'] },
  { id: 'full', set: ['peft=full'] },
  { id: 'suggest-1%', set: [], suggestPercent: 1 },
  // The same with the learning rate the nlp demo found best for adapters (1e-2, see its methods.ts).
  { id: 'lora-lr1e-2', set: ['training.lr=0.01'] },
  { id: 'suggest-1%-lr1e-2', set: ['training.lr=0.01'], suggestPercent: 1 },
  // AdaLoRA (HF defaults init_r 12 -> target_r 8) on the preset's LoRA targets with its alpha;
  // 10% warm-up, the last 20% at fixed ranks, a re-allocation every 5 steps; total_step is the
  // run's total steps.
  { id: 'adalora', set: [`peft=${ADALORA}`] },
  { id: 'adalora-lr1e-2', set: [`peft=${ADALORA}`, 'training.lr=0.01'] },
];

interface Options {
  minutes: number;
  seeds: number[];
  datasets: string[];
  /** Method ids to run (default all); runs already in `<out>/runs.json` for other methods are kept. */
  methods: string[] | undefined;
  epochs: number | undefined;
  /** Optimizer steps per run instead of the preset's epochs (a loaded machine). */
  maxSteps: number | undefined;
  out: string;
  doc: string;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = {
    minutes: 15,
    seeds: [42, 43],
    datasets: ['review-source', 'review-domain'],
    methods: undefined,
    epochs: undefined,
    maxSteps: undefined,
    out: path.join(ROOT, 'runs/quality'),
    doc: path.join(ROOT, 'docs/quality.md'),
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--minutes') o.minutes = Number(value);
    else if (flag === '--seeds') o.seeds = value.split(',').map(Number);
    else if (flag === '--datasets') o.datasets = value.split(',');
    else if (flag === '--methods') o.methods = value.split(',');
    else if (flag === '--epochs') o.epochs = Number(value);
    else if (flag === '--max-steps') o.maxSteps = Number(value);
    else if (flag === '--out') o.out = path.resolve(value);
    else if (flag === '--doc') o.doc = path.resolve(value);
    else throw new Error(`unknown flag ${flag}`);
    i++;
  }
  return o;
}

function configFor(host: PeftkitHost, d: SuiteDataset, m: Method, seed: number, o: Options): RunConfig {
  const { config } = resolveRunConfig({
    preset: host.presets.get(d.preset),
    layers: [
      ...setFlagLayers(m.set),
      {
        name: 'quality suite',
        value: {
          data: { train: d.train, eval: d.val },
          model: { base: BASE },
          training: {
            seed,
            ...(o.epochs ? { epochs: o.epochs } : {}),
            ...(o.maxSteps ? { maxSteps: o.maxSteps } : {}),
          },
        },
      },
    ],
    peftMethods: host.peftMethods,
  });
  if (o.maxSteps && !o.epochs) {
    // --max-steps alone replaces the preset's epoch budget (as the CLI's --max-steps does).
    const { epochs: _dropped, ...training } = config.training;
    return { ...config, training };
  }
  return config;
}

async function runOne(
  host: PeftkitHost,
  d: SuiteDataset,
  m: Method,
  seed: number,
  o: Options,
): Promise<SuiteRun> {
  const t0 = performance.now();
  const log = (l: string) => process.stderr.write(`  ${l}\n`);
  let config = configFor(host, d, m, seed, o);
  const slug = `${d.id}-${m.id.replace(/[^a-z0-9]+/gi, '-')}-${seed}`;
  const out = path.join(o.out, 'runs', slug);
  if (m.suggestPercent !== undefined) {
    const s = await suggestRun(host, { config, budget: { percent: m.suggestPercent }, log });
    log(
      `suggest: ${s.usedParameters} adapter parameters on ${(s.peft['targetModules'] as string[]).length} modules`,
    );
    config = s.config;
  }
  await fs.rm(out, { recursive: true, force: true });
  const r = await trainRun(host, { config, outDir: out, progress: 'none', log });
  const run = await loadRun(host, out);
  try {
    const e = await evaluateRun(host, run, { data: d.test, metrics: ['macro_f1', 'accuracy'] });
    const manifest = await readRunManifest(out);
    return {
      dataset: d.id,
      method: m.id,
      seed,
      macroF1: e.metrics['macro_f1'],
      accuracy: e.metrics['accuracy'],
      trainablePercent: (100 * r.summary.trainableParameters) / r.summary.totalParameters,
      threshold: manifest.decisionThreshold?.threshold,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    run.model.dispose();
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  await initBackend();
  const host = await createPeftkit({ plugins: [nlpPlugin], strict: true });
  const makers: Record<string, (dir: string, seed: number) => Promise<SuiteDataset>> = {
    'review-source': reviewSourceDataset,
    'review-domain': reviewDomainDataset,
  };
  const datasets: SuiteDataset[] = [];
  for (const id of o.datasets) {
    const make = makers[id];
    if (!make) throw new Error(`unknown dataset ${id} (known: ${Object.keys(makers).join(', ')})`);
    datasets.push(await make(path.join(o.out, 'data', id), 7));
  }
  const deadline = performance.now() + o.minutes * 60_000;
  const unknown = (o.methods ?? []).filter((m) => !METHODS.some((x) => x.id === m));
  if (unknown.length)
    throw new Error(`unknown method ${unknown} (known: ${METHODS.map((m) => m.id).join(', ')})`);
  // In the order given, so the rows that matter most run before the budget ends.
  const methods = o.methods ? o.methods.map((id) => METHODS.find((m) => m.id === id)!) : METHODS;
  // A suite split over several invocations (a time budget each): earlier finished runs of
  // other dataset/method/seed combinations are kept.
  const previous = await fs
    .readFile(path.join(o.out, 'runs.json'), 'utf8')
    .then((t) => (JSON.parse(t) as { runs: SuiteRun[] }).runs.filter((r) => r.skipped === undefined))
    .catch(() => [] as SuiteRun[]);
  const runs: SuiteRun[] = [];
  // Dataset-major order: the first dataset (the issue-19 case) gets every method and seed first.
  for (const d of datasets) {
    for (const seed of o.seeds) {
      for (const m of methods) {
        if (performance.now() > deadline) {
          runs.push({ dataset: d.id, method: m.id, seed, skipped: 'time budget' });
          continue;
        }
        process.stderr.write(`quality: ${d.id} / ${m.id} / seed ${seed}\n`);
        const r = await runOne(host, d, m, seed, o);
        process.stderr.write(
          `quality: -> test macro F1 ${r.macroF1?.toFixed(3)} (${r.seconds?.toFixed(0)} s)\n`,
        );
        runs.push(r);
      }
    }
  }
  const key = (r: SuiteRun) => `${r.dataset}/${r.method}/${r.seed}`;
  const fresh = new Set(runs.filter((r) => r.skipped === undefined).map(key));
  const order = new Map(METHODS.map((m, i) => [m.id, i]));
  const all = [
    ...previous.filter((r) => !fresh.has(key(r))),
    ...runs.filter((r) => !previous.some((p) => key(p) === key(r)) || r.skipped === undefined),
  ]
    .filter((r, i, xs) => xs.findIndex((x) => key(x) === key(r)) === i)
    .sort(
      (a, b) =>
        a.dataset.localeCompare(b.dataset) ||
        (order.get(a.method) ?? 99) - (order.get(b.method) ?? 99) ||
        a.seed - b.seed,
    );
  const baselines = Object.fromEntries(datasets.map((d) => [d.id, majorityMacroF1(d.counts.test)]));
  const rows = summarise(all, baselines);
  await fs.mkdir(o.out, { recursive: true });
  await fs.writeFile(
    path.join(o.out, 'runs.json'),
    `${JSON.stringify({ runs: all, datasets, baselines }, null, 2)}\n`,
  );
  const table = markdownTable(rows);
  process.stdout.write(`${table}\n`);
  const doc = await fs.readFile(o.doc, 'utf8').catch(() => '');
  const begin = '<!-- quality-table:begin -->';
  const end = '<!-- quality-table:end -->';
  if (doc.includes(begin) && doc.includes(end)) {
    const stamp = `Generated ${new Date().toISOString().slice(0, 10)} by \`pnpm quality ${process.argv.slice(2).join(' ')}\`; per-run numbers in \`${path.relative(ROOT, path.join(o.out, 'runs.json'))}\`.`;
    const next = `${doc.slice(0, doc.indexOf(begin) + begin.length)}\n${stamp}\n\n${table}\n${doc.slice(doc.indexOf(end))}`;
    await fs.writeFile(o.doc, next);
  }
}

await main();
