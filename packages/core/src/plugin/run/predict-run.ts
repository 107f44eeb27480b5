import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { exists } from '../../io/read-json.js';
import { BASE_ADAPTER } from '../../peft/adapter-layer.js';
import { PeftModel } from '../../peft/index.js';
import { Rng } from '../../runtime/random.js';
import { disposeTensorsIn } from '../../train/data/dispose-batch.js';
import { headForward, type Prediction } from '../head.js';
import type { EncodeContext, ModelBatch } from '../preprocessor.js';
import { UserError } from '../user-error.js';
import { applyThreshold } from './decision-threshold.js';
import type { LoadedRun } from './load-run.js';
import { RUN_FILES } from './run-files.js';
import { readRunManifest } from './run-manifest.js';

/** One input and what the model made of it. */
export interface InputPrediction extends Prediction {
  readonly input: string;
  /** The adapter that served this input, when inputs were routed (`adapterNames`). */
  readonly adapter?: string;
}

/** Options of `predictRun` / `predictExamples`. */
export interface PredictOptions {
  readonly batchSize?: number;
  /**
   * One adapter name per input (`'__base__'`: none), as HF's `adapter_names`: each row runs
   * through its own adapter in the same batch (the engine's per-example routing). Needs an
   * adapter run (`run.model` a `PeftModel`) holding those adapters (`addRunAdapter`). Heads that
   * run the model their own way (`forward`: generation) get one pass per adapter instead.
   */
  readonly adapterNames?: readonly string[];
  /**
   * With `adapterNames`: the labels each adapter's rows are decoded with, when adapters of
   * different tasks share the batch (default: the run's labels for every row). Rows are decoded
   * per label set. When label sets of different sizes share a batch (heads of different widths,
   * the narrower padded by the routed forward), each row keeps its first `labels.length` outputs.
   */
  readonly labelsOf?: (adapterName: string) => readonly string[] | undefined;
}

/**
 * Predicts for command-line style inputs (file paths, table rows, literal values): each is parsed by the
 * preprocessor's `parseInput`, encoded as at evaluation time, run through the model in batches,
 * and decoded by the head.
 *
 * @example
 * const [p] = await predictRun(run, ['0.3,1.2,-0.5,2.0']);
 * p.label; p.probabilities;
 */
export async function predictRun(
  run: LoadedRun,
  inputs: readonly string[],
  options: PredictOptions = {},
): Promise<InputPrediction[]> {
  const inst = run.instance;
  if (!inst.parseInput) {
    throw new UserError(
      `preprocessor '${run.preprocessor.id}' cannot read command-line inputs (it has no parseInput); use 'peftkit eval --data'`,
    );
  }
  const examples: unknown[] = [];
  for (const input of inputs) {
    try {
      examples.push(await inst.parseInput(input));
    } catch (err) {
      throw new UserError(`input '${input}': ${(err as Error).message}`, 2, { cause: err });
    }
  }
  const predictions = await predictExamples(run, examples, {
    ...options,
    describe: (i) => `input '${inputs[i]}'`,
  });
  return predictions.map((p, i) => ({
    input: inputs[i] as string,
    ...(options.adapterNames ? { adapter: options.adapterNames[i] as string } : {}),
    ...p,
  }));
}

/**
 * Predicts for raw examples (what the run's reader yields or `parseInput` makes): encoded as at
 * evaluation time, run through the model in batches, decoded by the head and mapped back to the
 * data's units by the preprocessor's `decodePrediction`. The building block for anything that
 * queries a trained model in a loop (a robot policy acting in a simulator, a server).
 *
 * @example
 * const [action] = await predictExamples(run, [observationExample]);
 */
export async function predictExamples(
  run: LoadedRun,
  examples: readonly unknown[],
  options: PredictOptions & { describe?: (index: number) => string } = {},
): Promise<Prediction[]> {
  const inst = run.instance;
  const names = options.adapterNames;
  if (names !== undefined) {
    checkRouting(run, names, examples.length);
    // A head that runs the model its own way (generation) cannot take per-row adapter masks:
    // each adapter's rows run as their own pass with that adapter active.
    if (run.head.forward) return predictPerAdapter(run, examples, names, options);
  }
  const batchSize = options.batchSize ?? 32;
  const describe = options.describe ?? ((i: number) => `example ${i}`);
  const context: EncodeContext = { training: false, rng: new Rng(0) };
  const config = run.headConfig;
  const out: Prediction[] = [];
  for (let start = 0; start < examples.length; start += batchSize) {
    const chunk = examples.slice(start, start + batchSize);
    const encoded = [];
    for (const [i, example] of chunk.entries()) {
      try {
        encoded.push(await inst.encode(example, context));
      } catch (err) {
        throw new UserError(`${describe(start + i)}: ${(err as Error).message}`, 2, { cause: err });
      }
    }
    const batch = inst.collate(encoded, context);
    let outputs: tf.TensorContainer | undefined;
    try {
      const rows = names?.slice(start, start + batchSize);
      outputs = tf.tidy(
        () =>
          (rows
            ? (run.model as PeftModel).callWithAdapterNames(rows, ...batch.inputs)
            : headForward(run.head, run.model, batch, false, config)) as tf.TensorContainer,
      );
      const groups =
        rows && options.labelsOf
          ? groupRowsByLabels(rows, options.labelsOf)
          : [{ labels: run.labels, rows: undefined }];
      const padded = new Set(groups.map((g) => g.labels?.length)).size > 1;
      const decoded: Prediction[] = new Array(chunk.length);
      for (const group of groups) {
        const predictions = await predictRows(run, outputs, batch, group, config, padded);
        for (const [k, p] of predictions.entries()) {
          const i = group.rows ? (group.rows[k] as number) : k;
          const decided = applyThreshold(p, run.manifest.decisionThreshold, group.labels);
          decoded[i] = inst.decodePrediction ? inst.decodePrediction(decided, chunk[i]) : decided;
        }
      }
      out.push(...decoded);
    } finally {
      disposeTensorsIn(outputs);
      disposeTensorsIn(batch);
    }
  }
  return out;
}

/**
 * Routed prediction for heads with their own `forward`: the rows of each adapter (in order of
 * first appearance) predicted in passes of their own, with that adapter set active (all adapters
 * off for the base); the active adapters are restored after. Rows keep their order.
 */
async function predictPerAdapter(
  run: LoadedRun,
  examples: readonly unknown[],
  names: readonly string[],
  options: PredictOptions & { describe?: (index: number) => string },
): Promise<Prediction[]> {
  const model = run.model as PeftModel;
  const byName = new Map<string, number[]>();
  for (const [i, n] of names.entries()) byName.set(n, [...(byName.get(n) ?? []), i]);
  const previous = model.activeAdapters;
  const out: Prediction[] = new Array(examples.length);
  try {
    for (const [name, rows] of byName) {
      const own = {
        ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
        describe: (k: number) => (options.describe ?? ((i: number) => `example ${i}`))(rows[k] as number),
      };
      const sub = rows.map((i) => examples[i]);
      let predictions: Prediction[];
      if (name === BASE_ADAPTER) {
        predictions = await model.disableAdapter(() => predictExamples(run, sub, own));
      } else {
        model.setAdapter(name);
        predictions = await predictExamples(run, sub, own);
      }
      rows.forEach((i, k) => {
        out[i] = predictions[k] as Prediction;
      });
    }
  } finally {
    if (previous.length > 0) model.setAdapter(previous);
  }
  return out;
}

interface RowGroup {
  readonly labels: readonly string[] | undefined;
  /** Row indices in the chunk; `undefined`: every row. */
  readonly rows: readonly number[] | undefined;
}

/** Rows grouped by the label set their adapter decodes with; one group of all rows when they agree. */
function groupRowsByLabels(
  names: readonly string[],
  labelsOf: (adapterName: string) => readonly string[] | undefined,
): RowGroup[] {
  const groups = new Map<string, { labels: readonly string[] | undefined; rows: number[] }>();
  for (const [i, n] of names.entries()) {
    const labels = labelsOf(n);
    const key = JSON.stringify(labels ?? null);
    const g = groups.get(key);
    if (g) g.rows.push(i);
    else groups.set(key, { labels, rows: [i] });
  }
  if (groups.size === 1) return [{ labels: [...groups.values()][0]?.labels, rows: undefined }];
  return [...groups.values()];
}

/**
 * The head's predictions for one row group: its rows of the outputs and the batch (every tensor
 * whose first axis is the batch), outputs narrowed to the group's label count when wider.
 */
async function predictRows(
  run: LoadedRun,
  outputs: tf.TensorContainer,
  batch: ModelBatch,
  group: RowGroup,
  config: unknown,
  padded: boolean,
): Promise<Prediction[]> {
  // Narrow only when heads of different widths shared the pass (the routed forward padded the
  // narrower ones); a head whose outputs are wider than its labels by design keeps them all.
  const width = padded ? group.labels?.length : undefined;
  const narrow = (t: tf.Tensor) =>
    width !== undefined && t.rank >= 2 && (t.shape[t.rank - 1] as number) > width
      ? tf.slice(t, new Array(t.rank).fill(0), [...t.shape.slice(0, -1), width])
      : t;
  if (!group.rows) {
    const own = outputs instanceof tf.Tensor ? narrow(outputs) : outputs;
    try {
      return await run.head.predict(own, { labels: group.labels, model: run.model, batch, config });
    } finally {
      if (own !== outputs) disposeTensorsIn(own);
    }
  }
  const size = batch.size;
  const idx = tf.tensor1d([...group.rows], 'int32');
  const take = (t: tf.Tensor) => (t.rank >= 1 && t.shape[0] === size ? tf.gather(t, idx) : t.clone());
  const own = tf.tidy(() => mapTensors(outputs, (t) => narrow(take(t))));
  // Every tensor of the batch with a batch axis, wherever the preprocessor put it.
  const sub = { ...mapTensors({ ...batch }, take), size: group.rows.length } as ModelBatch;
  idx.dispose();
  try {
    return await run.head.predict(own, { labels: group.labels, model: run.model, batch: sub, config });
  } finally {
    disposeTensorsIn(own);
    disposeTensorsIn(sub);
  }
}

/**
 * `value` with every tensor in it (arrays and plain objects walked) replaced by `f(tensor)`;
 * anything else (class instances, options objects with a prototype) is kept as it is.
 */
function mapTensors<T>(value: T, f: (t: tf.Tensor) => tf.Tensor): T {
  if (value instanceof tf.Tensor) return f(value) as T;
  if (Array.isArray(value)) return value.map((v) => mapTensors(v, f)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapTensors(v, f)])) as T;
  }
  return value;
}

function checkRouting(run: LoadedRun, names: readonly string[], count: number): void {
  if (names.length !== count) {
    throw new UserError(`adapterNames: ${names.length} names for ${count} inputs`);
  }
  if (!(run.model instanceof PeftModel)) {
    throw new UserError(
      `${run.dir} holds a ${run.manifest.kind} model: there are no adapters to route inputs to`,
    );
  }
  const known = new Set([...run.model.adapterNames(), BASE_ADAPTER]);
  const unknown = [...new Set(names)].filter((n) => !known.has(n));
  if (unknown.length) {
    throw new UserError(
      `unknown adapter ${unknown.map((n) => `'${n}'`).join(', ')}; loaded: ${[...known].join(', ')}`,
    );
  }
}

/**
 * Adds another adapter for the same base and head to a loaded adapter run, for per-input routing
 * (`predictRun(run, inputs, { adapterNames })`): a peftkit adapter run directory or an HF PEFT
 * adapter directory. Its head must live in the adapter (`modules_to_save`), as it does for
 * classification runs trained with a trainable head; a peftkit run that trained a different base
 * or architecture is refused.
 *
 * @example
 * const run = await loadRun(host, 'runs/imdb');
 * await addRunAdapter(run, 'runs/yelp', 'yelp');
 * await predictRun(run, ['great', 'awful'], { adapterNames: ['default', 'yelp'] });
 */
export async function addRunAdapter(
  run: LoadedRun,
  dir: string,
  name: string,
  options: {
    /**
     * Accept a peftkit run whose label set differs from the first adapter's (another task): with
     * as many labels the head's output layer has the same shape; with another number its
     * `modules_to_save` head copy is built with the file's shapes (`headShapesFromFile`). The
     * caller decodes that adapter's rows with its own labels (`predictExamples`' `labelsOf`, as
     * `peftkit serve` does).
     */
    readonly allowOtherLabels?: boolean;
  } = {},
): Promise<void> {
  if (!(run.model instanceof PeftModel)) {
    throw new UserError(`${run.dir} holds a ${run.manifest.kind} model: load an adapter run first`);
  }
  const sidecar = path.join(dir, RUN_FILES.manifest);
  let otherWidth = false;
  let otherCount: number | undefined;
  if (await exists(sidecar)) {
    const other = await readRunManifest(dir);
    if (other.kind !== 'adapter') throw new UserError(`${dir} holds a ${other.kind} model, not an adapter`);
    if (other.architecture.id !== run.manifest.architecture.id || other.head.id !== run.manifest.head.id) {
      throw new UserError(
        `${dir}: trained as ${other.architecture.id} + ${other.head.id}, the first adapter as ${run.manifest.architecture.id} + ${run.manifest.head.id}`,
      );
    }
    otherCount = other.labels?.length;
    otherWidth = (otherCount ?? -1) !== (run.manifest.labels?.length ?? -1);
    if (!options.allowOtherLabels && JSON.stringify(other.labels) !== JSON.stringify(run.manifest.labels)) {
      throw new UserError(
        `${dir}: its labels differ from the first adapter's; routed adapters share one label set`,
      );
    }
    if (otherWidth && (!other.labels || !run.manifest.labels)) {
      throw new UserError(
        `${dir}: it has ${other.labels ? `${other.labels.length} labels` : 'no labels'}, the first adapter ${run.manifest.labels ? run.manifest.labels.length : 'none'}; a head without labels must have the first adapter's shape`,
      );
    }
  }
  try {
    await run.model.loadAdapter(dir, name, { headShapesFromFile: otherWidth });
  } catch (err) {
    throw new UserError(`${dir}: loading the adapter failed: ${(err as Error).message}`, 2, { cause: err });
  }
  if (otherWidth && sameShapes(run.model, run.model.adapterNames()[0] as string, name)) {
    run.model.deleteAdapter(name);
    throw new UserError(
      `${dir}: it has ${otherCount} labels but its head has the first adapter's output shape (${run.manifest.labels?.length} labels)`,
    );
  }
  run.model.eval();
}

/** Whether two adapters of `model` hold parameters of the same keys and shapes. */
function sameShapes(model: PeftModel, a: string, b: string): boolean {
  const pa = model.adapterStateDict(a);
  const pb = model.adapterStateDict(b);
  if (pa.size !== pb.size) return false;
  for (const [k, p] of pa) {
    const q = pb.get(k);
    if (!q || JSON.stringify(q.shape) !== JSON.stringify(p.shape)) return false;
  }
  return true;
}
