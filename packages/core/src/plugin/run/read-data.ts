import * as fs from 'node:fs/promises';
import { type InputLimits, resolveInputLimits } from '../../io/input-limits.js';
import { type AnyDataset, isMapDataset, trainEvalSplit } from '../../train/data/index.js';
import type { DatasetReader, ReadResult, SourceSplits } from '../dataset-reader.js';
import type { PeftkitHost } from '../peftkit-host.js';
import { parseReaderOptions } from '../run-config/plugin-parts.js';
import type { RunConfig } from '../run-config/schema.js';
import { UserError } from '../user-error.js';

/** Train and eval examples of a run, with the label set. */
export interface RunData {
  readonly reader: DatasetReader;
  readonly train: AnyDataset<unknown>;
  readonly eval: AnyDataset<unknown> | undefined;
  readonly labels: readonly string[] | undefined;
  readonly warnings: readonly string[];
  /** What the run should tell the user about its data, e.g. where the eval data came from. */
  readonly notes: readonly string[];
  /** The reader's `labelOf` for the training examples (stratified splits, class-balanced sampling). */
  readonly labelOf?: ((example: unknown) => string | number) | undefined;
}

/**
 * The reader for `location`: `data.reader` when set; else the first reader (by id) of the run's
 * domain, then of any domain, whose `canRead` accepts it.
 */
export async function pickReader(
  host: PeftkitHost,
  config: RunConfig,
  location: string,
  readerId: string | undefined = config.data.reader,
): Promise<DatasetReader> {
  if (readerId !== undefined) return host.readers.get(readerId);
  const all = host.readers.list();
  const inDomain = all.filter(
    (e) => host.plugins.find((p) => p.plugin.id === e.plugin)?.plugin.domain === config.domain,
  );
  for (const e of [...inDomain, ...all.filter((x) => !inDomain.includes(x))]) {
    if (await e.value.canRead(location)) return e.value;
  }
  const known =
    all.map((e) => `${e.value.id} (${e.value.formats.join(', ')})`).join('; ') || 'none installed';
  throw new UserError(`no dataset reader accepts '${location}'; set data.reader (readers: ${known})`);
}

/**
 * A missing file is the common mistake; locations with a scheme (`synthetic:`, `https:`) are the
 * reader's to interpret and pass through unchecked.
 */
async function assertExists(location: string, split: 'train' | 'eval'): Promise<void> {
  if (!/^[A-Za-z][A-Za-z0-9+.-]+:/.test(location) && !(await fs.stat(location).catch(() => undefined))) {
    throw new UserError(
      `${split === 'train' ? 'data.train' : 'evaluation data'}: '${location}' does not exist`,
    );
  }
}

/** The input policy of a run: its limits and whether paths may leave the dataset folder. */
export interface InputPolicy {
  readonly limits: InputLimits;
  readonly allowOutsideRoot: boolean;
}

/** `InputPolicy` from a run config (`limits`, `data.allowOutsideRoot`). */
export function inputPolicyOf(
  config: Pick<RunConfig, 'limits'> & { data: { allowOutsideRoot?: boolean } },
): InputPolicy {
  return {
    limits: resolveInputLimits(config.limits),
    allowOutsideRoot: config.data.allowOutsideRoot ?? false,
  };
}

async function readOne(
  reader: DatasetReader,
  location: string,
  options: Readonly<Record<string, unknown>>,
  split: 'train' | 'eval',
  labels: readonly string[] | undefined,
  policy: InputPolicy,
  sourceSplit?: string,
): Promise<ReadResult<unknown>> {
  await assertExists(location, split);
  try {
    return await reader.read(location, {
      options,
      labels,
      split,
      ...policy,
      ...(sourceSplit ? { sourceSplit } : {}),
    });
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`reading ${location} with ${reader.id} failed: ${(err as Error).message}`, 2, {
      cause: err,
    });
  }
}

/**
 * Reads the training data and the eval data of a run. Without `data.eval`, a source with its own
 * eval split (`DatasetReader.splits`) provides the eval data; otherwise `data.evalFraction` of
 * the training examples is held out, stratified by label when the reader says how (`labelOf`),
 * with the run seed. `notes` says which was used.
 */
export async function readRunData(
  host: PeftkitHost,
  config: RunConfig,
  origins?: ReadonlyMap<string, string>,
): Promise<RunData> {
  const trainPath = config.data.train;
  if (!trainPath) throw new UserError('data.train is required: set it in the config or pass --data <path>');
  const reader = await pickReader(host, config, trainPath);
  const options = parseReaderOptions(reader, config.data.options, origins);
  const policy = inputPolicyOf(config);
  const train = await readOne(reader, trainPath, options, 'train', undefined, policy);
  const warnings = [...(train.warnings ?? [])];
  const labels = train.labels;
  const labelOf = train.labelOf?.bind(train);
  const groupOf = train.groupOf?.bind(train);
  const evalPath = config.data.eval;
  if (evalPath) {
    const held = await readOne(reader, evalPath, options, 'eval', labels, policy);
    warnings.push(...(held.warnings ?? []));
    const notes = [`eval data: ${evalPath} (data.eval)`];
    return { reader, train: train.dataset, eval: held.dataset, labels, warnings, notes, labelOf };
  }
  const own = await sourceSplitsOf(reader, trainPath, options);
  if (own?.eval) {
    const held = await readOne(reader, trainPath, options, 'eval', labels, policy, own.eval);
    warnings.push(...(held.warnings ?? []));
    const notes = [
      `eval data: split '${own.eval}' of ${trainPath} (its splits: ${own.names.join(', ')}; data.eval unset)`,
    ];
    return { reader, train: train.dataset, eval: held.dataset, labels, warnings, notes, labelOf };
  }
  if (!isMapDataset(train.dataset)) {
    throw new UserError(
      `data.eval is required: ${reader.id} streams ${trainPath}, so no eval split can be held out`,
    );
  }
  let split: Awaited<ReturnType<typeof trainEvalSplit<unknown>>>;
  try {
    split = await trainEvalSplit(train.dataset, {
      evalFraction: config.data.evalFraction,
      seed: config.training.seed,
      ...(groupOf
        ? { groupBy: (e: unknown) => groupOf(e) }
        : labelOf
          ? { stratifyBy: (e: unknown) => labelOf(e) }
          : {}),
    });
  } catch (err) {
    // Too few examples (or one per class) is the data's problem: say which file and how to fix it.
    throw new UserError(
      `${trainPath}: cannot hold out eval data (${(err as Error).message}); add examples or pass --eval-data <path>`,
      2,
      { cause: err },
    );
  }
  const how = split.groups
    ? `as ${split.groups.eval} of ${split.groups.train + split.groups.eval} whole groups (${reader.id} groups its examples)`
    : labelOf
      ? 'stratified by label'
      : 'at random';
  const notes = [
    `eval data: ${split.eval.length} examples of ${trainPath} held out ${how} (data.evalFraction ${config.data.evalFraction})`,
  ];
  return { reader, train: split.train, eval: split.eval, labels, warnings, notes, labelOf };
}

/** The splits `reader` reports for `location`, with reader failures named as read failures are. */
async function sourceSplitsOf(
  reader: DatasetReader,
  location: string,
  options: Readonly<Record<string, unknown>>,
): Promise<SourceSplits | undefined> {
  if (!reader.splits) return undefined;
  try {
    return await reader.splits(location, options);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(
      `listing the splits of ${location} with ${reader.id} failed: ${(err as Error).message}`,
      2,
      { cause: err },
    );
  }
}

/**
 * Reads evaluation data for a trained model with its reader options, mapping labels onto its
 * saved label set. `split` picks a named split of a multi-split source (`peftkit eval --split
 * test`); without it the reader reads its default eval data.
 */
export async function readEvalData(
  reader: DatasetReader,
  location: string,
  rawOptions: Readonly<Record<string, unknown>>,
  labels: readonly string[] | undefined,
  split?: string,
  policy: InputPolicy = inputPolicyOf({ data: {} }),
): Promise<ReadResult<unknown>> {
  const options = parseReaderOptions(reader, rawOptions);
  if (split === undefined) return readOne(reader, location, options, 'eval', labels, policy);
  await assertExists(location, 'eval');
  const own = await sourceSplitsOf(reader, location, options);
  if (!own) {
    throw new UserError(
      `cannot evaluate split '${split}' of ${location}: ${reader.id} reads no named splits from it`,
    );
  }
  if (!own.names.includes(split)) {
    throw new UserError(`${location} has no split '${split}'; its splits: ${own.names.join(', ') || 'none'}`);
  }
  return readOne(reader, location, options, 'eval', labels, policy, split);
}
