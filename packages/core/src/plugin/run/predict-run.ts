import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { exists } from '../../io/read-json.js';
import { BASE_ADAPTER } from '../../peft/adapter-layer.js';
import { PeftModel } from '../../peft/index.js';
import { Rng } from '../../runtime/random.js';
import { disposeTensorsIn } from '../../train/data/dispose-batch.js';
import { headForward, type Prediction } from '../head.js';
import type { EncodeContext } from '../preprocessor.js';
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
   * adapter run (`run.model` a `PeftModel`) holding those adapters (`addRunAdapter`).
   */
  readonly adapterNames?: readonly string[];
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
  if (names !== undefined) checkRouting(run, names, examples.length);
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
      const predictions = await run.head.predict(outputs, {
        labels: run.labels,
        model: run.model,
        batch,
        config,
      });
      for (const [i, p] of predictions.entries()) {
        const decided = applyThreshold(p, run.manifest.decisionThreshold, run.labels);
        out.push(inst.decodePrediction ? inst.decodePrediction(decided, chunk[i]) : decided);
      }
    } finally {
      disposeTensorsIn(outputs);
      disposeTensorsIn(batch);
    }
  }
  return out;
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
  if (run.head.forward) {
    throw new UserError(
      `head '${run.head.id}' runs the model its own way (forward), so inputs cannot be routed to adapters`,
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
     * Accept a peftkit run whose label set differs from the first adapter's but has as many
     * labels (another task with as many classes): the head's output layer has the same shape,
     * and the caller decodes that adapter's rows with its own labels (`peftkit serve` does).
     */
    readonly allowOtherLabels?: boolean;
  } = {},
): Promise<void> {
  if (!(run.model instanceof PeftModel)) {
    throw new UserError(`${run.dir} holds a ${run.manifest.kind} model: load an adapter run first`);
  }
  const sidecar = path.join(dir, RUN_FILES.manifest);
  if (await exists(sidecar)) {
    const other = await readRunManifest(dir);
    if (other.kind !== 'adapter') throw new UserError(`${dir} holds a ${other.kind} model, not an adapter`);
    if (other.architecture.id !== run.manifest.architecture.id || other.head.id !== run.manifest.head.id) {
      throw new UserError(
        `${dir}: trained as ${other.architecture.id} + ${other.head.id}, the first adapter as ${run.manifest.architecture.id} + ${run.manifest.head.id}`,
      );
    }
    const sameLabels = options.allowOtherLabels
      ? (other.labels?.length ?? -1) === (run.manifest.labels?.length ?? -1)
      : JSON.stringify(other.labels) === JSON.stringify(run.manifest.labels);
    if (!sameLabels) {
      throw new UserError(
        options.allowOtherLabels
          ? `${dir}: it has ${other.labels?.length ?? 'no'} labels, the first adapter ${run.manifest.labels?.length ?? 'none'}; routed adapters share one output layer shape`
          : `${dir}: its labels differ from the first adapter's; routed adapters share one label set`,
      );
    }
  }
  try {
    await run.model.loadAdapter(dir, name);
  } catch (err) {
    throw new UserError(`${dir}: loading the adapter failed: ${(err as Error).message}`, 2, { cause: err });
  }
  run.model.eval();
}
