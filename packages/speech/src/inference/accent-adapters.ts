import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import {
  type AnyModule,
  BASE_ADAPTER,
  type LoadedRun,
  loadRun,
  Module,
  type PeftkitHost,
  PeftModel,
  predictExamples,
  RUN_FILES,
  UserError,
} from '@peftkit/core';
import type * as tf from '@tensorflow/tfjs';

/** What to do with a clip whose accent has no adapter. */
export type UnknownAccentPolicy = 'base' | 'error';

export interface AccentAdaptersOptions {
  /** Accent name (as in the data's `accent` column or the router's labels) -> adapter run directory. */
  readonly adapters: Readonly<Record<string, string>>;
  /** The base checkpoint, when the runs' manifests should not be trusted for it (as `--base`). */
  readonly base?: string;
  /** A `speech/accent-id` run: predicts the accent of clips given without one. */
  readonly router?: string;
  /** A clip whose accent has no adapter runs on the base (`'base'`, the default) or is an error. */
  readonly unknownAccent?: UnknownAccentPolicy;
}

/** One clip to transcribe: an audio file path and, optionally, its accent. */
export interface AccentClip {
  readonly path: string;
  /** Without it the router predicts the accent (an error without a router). */
  readonly accent?: string;
}

export interface AccentTranscript {
  readonly path: string;
  /** The given accent, else the router's prediction. */
  readonly accent: string;
  /** True when the accent came from the router. */
  readonly routed: boolean;
  /** The accent whose adapter transcribed the clip; `null` = the base (no adapter for the accent). */
  readonly adapter: string | null;
  readonly transcript: string;
}

/** A base with one adapter per accent, loaded once; `transcribe` routes each clip in one batch. */
export interface AccentAdapters {
  /** The accents that have an adapter, in the order given. */
  readonly accents: readonly string[];
  transcribe(clips: readonly AccentClip[], options?: { batchSize?: number }): Promise<AccentTranscript[]>;
  /** Frees the models' weights. */
  dispose(): void;
}

/** Runs a `PeftModel` with fixed per-row adapter names (the engine's per-example routing). */
class RoutedModel extends Module<unknown[], tf.TensorContainer> {
  constructor(
    private readonly peft: PeftModel<unknown[], tf.TensorContainer>,
    private readonly names: readonly string[],
  ) {
    super();
  }

  forward(...inputs: unknown[]): tf.TensorContainer {
    return this.peft.callWithAdapterNames(this.names, ...inputs);
  }
}

/**
 * Loads one adapter run per accent onto their shared base, and optionally an accent-ID run as a
 * router, for transcribing clips of mixed accents: each clip of a batch goes through its accent's
 * adapter (per-example routing: one forward pass per batch, not one per accent), which gives the
 * same transcript as running the clip alone through that adapter's run.
 *
 * All adapter runs must be adapter runs on the same base with the same head, labels and
 * preprocessor (e.g. `peftkit train --preset speech/accent-adaptation --base runs/base` once per
 * accent with `data.options.vocabulary=runs/base/vocab.json`); otherwise a one-line `UserError`
 * names the run that differs.
 *
 * @example
 * const host = await createPeftkit({ plugins: [speechPlugin] });
 * const asr = await loadAccentAdapters(host, {
 *   adapters: { 'Scottish English': 'runs/scottish', 'Irish English': 'runs/irish' },
 *   router: 'runs/accent-id',
 * });
 * const out = await asr.transcribe([{ path: 'a.wav', accent: 'Scottish English' }, { path: 'b.mp3' }]);
 * asr.dispose();
 */
export async function loadAccentAdapters(
  host: PeftkitHost,
  options: AccentAdaptersOptions,
): Promise<AccentAdapters> {
  const accents = Object.keys(options.adapters);
  if (accents.length === 0)
    throw new UserError('accent adapters: no adapters given (accent -> run directory)');
  const dirs = accents.map((a) => options.adapters[a] as string);
  const base = options.base !== undefined ? { base: options.base } : {};
  const runs: LoadedRun[] = [];
  try {
    // Each run is loaded whole once to check it matches the first; only the first one's model is kept.
    for (const [i, dir] of dirs.entries()) {
      const run = await loadRun(host, dir, base);
      runs.push(run);
      if (i > 0) await checkSameSetup(runs[0] as LoadedRun, run, accents[i] as string);
      else if (!(run.model instanceof PeftModel)) {
        throw new UserError(
          `${dir}: accent '${accents[0]}' is a ${run.manifest.kind} run; an adapter run is needed`,
        );
      }
    }
  } catch (err) {
    for (const r of runs) r.model.dispose();
    throw err;
  }
  const main = runs[0] as LoadedRun;
  for (const r of runs.slice(1)) r.model.dispose();
  const peft = main.model as PeftModel<unknown[], tf.TensorContainer>;
  // Adapter names are internal ('default' is the first run's): accents may hold spaces or dots.
  const nameOf = new Map(
    accents.map((a, i) => [a, i === 0 ? (peft.activeAdapter as string) : `accent_${i}`]),
  );
  let router: LoadedRun | undefined;
  try {
    for (const [i, dir] of dirs.entries()) {
      if (i > 0) await peft.loadAdapter(path.resolve(dir), nameOf.get(accents[i] as string) as string);
    }
    if (options.router !== undefined) router = await loadRouter(host, options.router);
  } catch (err) {
    peft.dispose();
    throw err;
  }
  const policy = options.unknownAccent ?? 'base';

  return {
    accents,
    async transcribe(clips, transcribeOptions = {}) {
      const batchSize = transcribeOptions.batchSize ?? 16;
      const chosen = await accentsOf(clips, router, batchSize);
      const names = chosen.map(({ accent }, i) => {
        const name = nameOf.get(accent);
        if (name !== undefined) return name;
        if (policy === 'error') {
          throw new UserError(
            `${clips[i]?.path}: no adapter for accent '${accent}' (have: ${accents.join(', ')})`,
          );
        }
        return BASE_ADAPTER;
      });
      const inst = main.instance;
      const parse = inst.parseInput;
      if (!parse) throw new UserError(`preprocessor '${main.preprocessor.id}' cannot read audio file paths`);
      const out: AccentTranscript[] = [];
      for (let start = 0; start < clips.length; start += batchSize) {
        const chunk = clips.slice(start, start + batchSize);
        const examples = [];
        for (const c of chunk) examples.push(await parseClip(parse.bind(inst), c.path));
        const routedModel = new RoutedModel(peft, names.slice(start, start + chunk.length));
        const predictions = await predictExamples({ ...main, model: routedModel as AnyModule }, examples, {
          batchSize: chunk.length,
          describe: (i) => `clip '${chunk[i]?.path}'`,
        });
        for (const [i, p] of predictions.entries()) {
          const at = start + i;
          const name = names[at] as string;
          out.push({
            path: clips[at]?.path as string,
            accent: chosen[at]?.accent as string,
            routed: chosen[at]?.routed as boolean,
            adapter: name === BASE_ADAPTER ? null : (chosen[at]?.accent as string),
            transcript: String(p.value ?? p.label ?? ''),
          });
        }
      }
      return out;
    },
    dispose() {
      peft.dispose();
      router?.model.dispose();
    },
  };
}

async function parseClip(parse: (input: string) => unknown, file: string): Promise<unknown> {
  try {
    return await parse(file);
  } catch (err) {
    throw new UserError(`clip '${file}': ${(err as Error).message}`, 2, { cause: err });
  }
}

/** The accent of each clip: the given one, else the router's prediction. */
async function accentsOf(
  clips: readonly AccentClip[],
  router: LoadedRun | undefined,
  batchSize: number,
): Promise<{ accent: string; routed: boolean }[]> {
  const missing = clips.flatMap((c, i) => (c.accent === undefined ? [i] : []));
  const predicted = new Map<number, string>();
  if (missing.length > 0) {
    if (!router) {
      throw new UserError(
        `${clips[missing[0] as number]?.path}: no accent given and no accent-ID router loaded`,
      );
    }
    const parse = router.instance.parseInput?.bind(router.instance);
    if (!parse) throw new UserError(`${router.dir}: its preprocessor cannot read audio file paths`);
    const examples = [];
    for (const i of missing) examples.push(await parseClip(parse, clips[i]?.path as string));
    const predictions = await predictExamples(router, examples, {
      batchSize,
      describe: (k) => `clip '${clips[missing[k] as number]?.path}'`,
    });
    for (const [k, p] of predictions.entries()) predicted.set(missing[k] as number, p.label ?? '');
  }
  return clips.map((c, i) =>
    c.accent !== undefined
      ? { accent: c.accent, routed: false }
      : { accent: predicted.get(i) ?? '', routed: true },
  );
}

async function loadRouter(host: PeftkitHost, dir: string): Promise<LoadedRun> {
  const run = await loadRun(host, dir);
  if (!run.labels || run.labels.length === 0) {
    run.model.dispose();
    throw new UserError(
      `${dir}: the router must be a classification run (e.g. speech/accent-id) with labels`,
    );
  }
  return run;
}

/** Adapters can share one batch only on the same base, head, labels and preprocessing. */
async function checkSameSetup(first: LoadedRun, run: LoadedRun, accent: string): Promise<void> {
  const differs = (what: string) =>
    new UserError(
      `${run.dir}: the adapter for accent '${accent}' has a different ${what} than ${first.dir}; accent adapters must share one base setup`,
    );
  if (!(run.model instanceof PeftModel)) {
    throw new UserError(
      `${run.dir}: accent '${accent}' is a ${run.manifest.kind} run; an adapter run is needed`,
    );
  }
  if (run.baseDir !== first.baseDir) throw differs(`base (${run.baseDir})`);
  if (run.architecture.id !== first.architecture.id) throw differs('architecture');
  if (run.head.id !== first.head.id || JSON.stringify(run.headConfig) !== JSON.stringify(first.headConfig)) {
    throw differs('head');
  }
  if (JSON.stringify(run.labels) !== JSON.stringify(first.labels)) throw differs('label set (vocabulary)');
  // The base's head weights serve clips without an adapter and the adapters' frozen parts.
  const [a, b] = await Promise.all([first, run].map((r) => fs.readFile(path.join(r.dir, RUN_FILES.head))));
  if (!a?.equals(b as Buffer)) throw differs(`initial head weights (${RUN_FILES.head})`);
  const [p, q] = await Promise.all(
    [first, run].map((r) => fs.readFile(path.join(r.dir, RUN_FILES.preprocessor), 'utf8')),
  );
  if (p !== q) throw differs(`preprocessor (${RUN_FILES.preprocessor})`);
}
