import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readJsonObject, writeDirAtomic, writeJsonAtomic } from '@peftkit/core';
import { describeMachine, type MachineInfo } from '../machine.js';
import type { CorpusCounts } from './accent-corpus.js';

/** The base the demo adapts unless `--pretrain`: committed, so the default run skips pretraining. */
export const COMMITTED_BASE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'base');

/**
 * What `--base` needs: encoder weights and shape, the CTC head (`lm_head`, reused because the
 * label set in `peftkit-run.json` matches), the front-end state and the vocabulary.
 */
const BASE_FILES = [
  'config.json',
  'model.safetensors',
  'head.safetensors',
  'peftkit-run.json',
  'preprocessor.json',
  'vocab.json',
] as const;

const RECORD_FILE = 'pretraining.json';

/** How the base was made, next to it: the demo reads its numbers from here, never from prose. */
export interface BaseRecord {
  /** The `peftkit pretrain` command, paths relative to the repository root. */
  readonly command: string;
  /** The demo command that synthesises the corpus and writes the config, then runs `command`. */
  readonly demoCommand: string;
  readonly date: string;
  readonly machine: MachineInfo;
  /** `uptime` load averages (1, 5, 15 min) when pretraining finished: other work on the machine. */
  readonly loadAverage: readonly number[];
  readonly model: Record<string, unknown>;
  readonly parameters: number;
  readonly steps: number;
  readonly batchSize: number;
  readonly trainSeconds: number;
  /** Synthesis wall time of the source corpus (by the run that wrote it, when it came from the cache). */
  readonly synthSeconds: number;
  readonly sourceAccent: string;
  readonly voice: string;
  /** CER and WER on the source accent's dev speakers after the last step. */
  readonly sourceCer: number | null;
  readonly sourceWer: number | null;
  readonly corpus: CorpusCounts;
}

export async function readBaseRecord(dir: string): Promise<BaseRecord> {
  return (await readJsonObject(
    path.join(dir, RECORD_FILE),
    'base pretraining record',
  )) as unknown as BaseRecord;
}

const pct = (v: number | null) => (v === null ? 'n/a' : `${(100 * v).toFixed(1)}%`);

/** The base's README: every number comes from `record`. */
export function baseReadme(r: BaseRecord): string {
  const m = r.model as Record<string, number>;
  const clips = Object.values(r.corpus['train'] ?? {}).reduce((a, b) => a + b, 0);
  const dev = Object.values(r.corpus['dev'] ?? {}).reduce((a, b) => a + b, 0);
  return `# The speech demo's base checkpoint

A small CTC speech recogniser: a \`speech/conv-transformer\` (conv stem subsampling time by 4,
${m['encoder_layers']} pre-norm layers of width ${m['d_model']}, ${m['encoder_attention_heads']} heads, feed-forward ${m['encoder_ffn_dim']}, on 40 Kaldi fbank
bins) with a character CTC head, ${r.parameters.toLocaleString('en-US')} parameters, pretrained by peftkit on
**synthetic** ${r.sourceAccent} speech (eSpeak NG voice \`${r.voice}\`). \`pnpm demo speech\` adapts
it to another synthetic accent; see [docs/speech.md](../../../../docs/speech.md#demo).

- source-accent dev CER ${pct(r.sourceCer)}, WER ${pct(r.sourceWer)} (held-out synthetic speakers, greedy decoding)
- ${r.steps} steps of batch ${r.batchSize} in ${(r.trainSeconds / 60).toFixed(1)} min, ${r.date} (load average ${r.loadAverage.map((l) => l.toFixed(1)).join(', ')})
- machine: ${describeMachine(r.machine)}
- corpus: ${clips} training clips, ${dev} dev clips: 2-4 word sentences over a 30-word list, each speaker
  a random pitch and rate, white noise at 15-35 dB SNR

Files: \`config.json\`, \`model.safetensors\` (encoder), \`head.safetensors\` (\`lm_head\`),
\`vocab.json\` (the CTC vocabulary, HF layout), \`preprocessor.json\` (front-end state),
\`peftkit-run.json\` (the run manifest: its label set lets \`--base\` reuse the head), and
\`pretraining.json\` (the numbers above). Use it with \`--base scripts/demos/speech/base\` and
\`--set data.options.vocabulary=scripts/demos/speech/base/vocab.json\`.

## Reproduce

\`${r.demoCommand}\` synthesises the corpus and writes the config into \`runs/demo-speech\`, then runs:

\`\`\`sh
${r.command}
\`\`\`

Add \`--save-base scripts/demos/speech/base\` to replace these files with the new base. Seeded; the
time above is that run's wall time, longer when other work shares the machine.

## Licence

The weights are peftkit's own (same licence as the repository). The training audio was
synthesised with eSpeak NG (npm \`espeak-ng\`, GPL-3.0-or-later), a development dependency of the
demo scripts only: no part of it ships in any package, and speech synthesised by a program is not
a derivative work of the program. Synthetic accents are a domain-shift proxy, not real accented
speech.
`;
}

/** `value` with every string path under `root` made relative to it (no machine paths committed). */
export function relativePaths(value: unknown, root: string): unknown {
  if (typeof value === 'string') {
    return value.startsWith(`${root}${path.sep}`) ? path.relative(root, value) : value;
  }
  if (Array.isArray(value)) return value.map((v) => relativePaths(v, root));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, relativePaths(v, root)]));
  }
  return value;
}

/**
 * Copies a pretraining run's base files with the record and a README into `target`, replacing it
 * atomically. Absolute paths under `root` in the run manifest become relative to it.
 */
export async function saveBase(
  runDir: string,
  record: BaseRecord,
  target: string,
  root: string,
): Promise<void> {
  await writeDirAtomic(target, async (tmp) => {
    for (const f of BASE_FILES) await fs.copyFile(path.join(runDir, f), path.join(tmp, f));
    const manifest = path.join(tmp, 'peftkit-run.json');
    const run = JSON.parse(await fs.readFile(manifest, 'utf8')) as unknown;
    await fs.writeFile(manifest, `${JSON.stringify(relativePaths(run, root), null, 2)}\n`);
    await writeJsonAtomic(path.join(tmp, RECORD_FILE), record);
    await fs.writeFile(path.join(tmp, 'README.md'), baseReadme(record));
  });
}
