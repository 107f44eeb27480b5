/**
 * Transcribes clips of mixed accents, each through its accent's adapter in one batch
 * (`loadAccentAdapters`): clips from a CSV/TSV with `path` and optional `accent` columns (a
 * Common Voice TSV works), or file paths given after the options (their accent from the router).
 * Prints one JSON line per clip.
 *
 *   npx tsx packages/speech/scripts/transcribe-accents.ts \
 *     --adapter 'Scottish English=runs/scottish' --adapter 'Irish English=runs/irish' \
 *     [--router runs/accent-id] [--base runs/base] [--unknown-accent base|error] \
 *     [--clips cv/en/test.tsv] [clip.wav ...]
 */
import { parseArgs } from 'node:util';
import { createPeftkit, initBackend, UserError } from '@peftkit/core';
import { type AccentClip, loadAccentAdapters, readAccentClips } from '../src/inference/index.js';
import { speechPlugin } from '../src/plugin.js';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      adapter: { type: 'string', multiple: true },
      router: { type: 'string' },
      base: { type: 'string' },
      clips: { type: 'string' },
      'unknown-accent': { type: 'string' },
      'batch-size': { type: 'string' },
    },
  });
  const adapters: Record<string, string> = {};
  for (const pair of values.adapter ?? []) {
    const at = pair.lastIndexOf('=');
    if (at <= 0) throw new UserError(`--adapter '${pair}': expected <accent>=<run dir>`);
    adapters[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const unknown = values['unknown-accent'] ?? 'base';
  if (unknown !== 'base' && unknown !== 'error')
    throw new UserError('--unknown-accent: expected base or error');
  const clips: AccentClip[] = [
    ...(values.clips ? await readAccentClips(values.clips) : []),
    ...positionals.map((p) => ({ path: p })),
  ];
  if (clips.length === 0) throw new UserError('no clips: give --clips <csv/tsv> or audio file paths');
  await initBackend({});
  const host = await createPeftkit({ plugins: [speechPlugin] });
  const asr = await loadAccentAdapters(host, {
    adapters,
    unknownAccent: unknown,
    ...(values.router ? { router: values.router } : {}),
    ...(values.base ? { base: values.base } : {}),
  });
  try {
    const batchSize = values['batch-size'] ? Number(values['batch-size']) : 16;
    for (const t of await asr.transcribe(clips, { batchSize })) console.log(JSON.stringify(t));
  } finally {
    asr.dispose();
  }
}

main().catch((err: Error) => {
  console.error(`transcribe-accents: ${err.message}`);
  process.exitCode = err instanceof UserError ? 2 : 1;
});
