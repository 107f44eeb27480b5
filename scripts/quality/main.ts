/**
 * `pnpm quality [--minutes 15] [--seeds 42,43] [--datasets review-source,review-domain,... | all]
 * [--methods lora,full,...] [--epochs n | --max-steps n] [--quick] [--out runs/quality]
 * [--doc docs/quality.md] [--merge dir,dir,...]`: trains each classification preset on datasets the demos do not use
 * (text, vision, speech), for LoRA (the presets' default), IA3, bottleneck adapters, full
 * fine-tuning, `peftkit suggest` at a 1% budget and AdaLoRA, several seeds, and writes the test-split
 * table to docs/quality.md (text rows and vision/speech rows in their own marked blocks). Not
 * part of CI (minutes of training); suite.test.ts runs every domain's quick mode.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeRunsFiles } from './merge.js';
import { DATASETS } from './registry.js';
import { runSuite, type SuiteOptions } from './suite.js';
import { markdownTable, writeTableBlocks } from './table.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Options extends SuiteOptions {
  /**
   * Absent: the doc is left alone (quick mode, whose numbers mean nothing, and an invocation with
   * its own `--out`, one of several side by side whose partial tables would overwrite each other).
   */
  readonly doc: string | undefined;
  /** Train nothing: combine these outputs' runs.json into `out` and write the tables. */
  readonly merge: readonly string[] | undefined;
}

function parseArgs(argv: readonly string[]): Options {
  const o = {
    minutes: 15,
    seeds: [42, 43],
    datasets: ['review-source', 'review-domain'],
    methods: undefined as string[] | undefined,
    epochs: undefined as number | undefined,
    maxSteps: undefined as number | undefined,
    quick: false,
    out: undefined as string | undefined,
    doc: undefined as string | undefined,
    merge: undefined as string[] | undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--quick') {
      o.quick = true;
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--minutes') o.minutes = Number(value);
    else if (flag === '--seeds') o.seeds = value.split(',').map(Number);
    else if (flag === '--datasets')
      o.datasets = value === 'all' ? DATASETS.map((d) => d.id) : value.split(',');
    else if (flag === '--methods') o.methods = value.split(',');
    else if (flag === '--epochs') o.epochs = Number(value);
    else if (flag === '--max-steps') o.maxSteps = Number(value);
    else if (flag === '--out') o.out = path.resolve(value);
    else if (flag === '--doc') o.doc = path.resolve(value);
    else if (flag === '--merge') o.merge = value.split(',').map((d) => path.resolve(d));
    else throw new Error(`unknown flag ${flag}`);
    i++;
  }
  // Quick mode keeps its meaningless numbers out of the real runs.json and docs/quality.md. A
  // training invocation with its own --out is one of several run side by side (one per core):
  // each holds part of the suite, so only --merge (or an explicit --doc) writes the doc.
  const writesDoc = !o.quick && (o.merge !== undefined || o.out === undefined);
  return {
    ...o,
    out: o.out ?? path.join(ROOT, o.quick ? 'runs/quality-quick' : 'runs/quality'),
    doc: o.doc ?? (writesDoc ? path.join(ROOT, 'docs/quality.md') : undefined),
  };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const { rows } = o.merge ? await mergeRunsFiles(o.merge, o.out) : await runSuite(o);
  process.stdout.write(`${markdownTable(rows)}\n`);
  if (!o.doc) return;
  const doc = await fs.readFile(o.doc, 'utf8').catch(() => '');
  const runsFile = path.relative(ROOT, path.join(o.out, 'runs.json'));
  const stamp = `Generated ${new Date().toISOString().slice(0, 10)} by \`pnpm quality ${process.argv.slice(2).join(' ')}\`; per-run numbers in \`${runsFile}\`.`;
  const next = writeTableBlocks(doc, rows, stamp);
  if (next !== doc) await fs.writeFile(o.doc, next);
}

await main();
