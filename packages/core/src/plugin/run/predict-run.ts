import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../runtime/random.js';
import { disposeTensorsIn } from '../../train/data/dispose-batch.js';
import { headForward, type Prediction } from '../head.js';
import type { EncodeContext } from '../preprocessor.js';
import { UserError } from '../user-error.js';
import type { LoadedRun } from './load-run.js';

/** One input and what the model made of it. */
export interface InputPrediction extends Prediction {
  readonly input: string;
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
  options: { batchSize?: number } = {},
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
  return predictions.map((p, i) => ({ input: inputs[i] as string, ...p }));
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
  options: { batchSize?: number; describe?: (index: number) => string } = {},
): Promise<Prediction[]> {
  const inst = run.instance;
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
      outputs = tf.tidy(() => headForward(run.head, run.model, batch, false, config) as tf.TensorContainer);
      const predictions = await run.head.predict(outputs, {
        labels: run.labels,
        model: run.model,
        batch,
        config,
      });
      for (const [i, p] of predictions.entries()) {
        out.push(inst.decodePrediction ? inst.decodePrediction(p, chunk[i]) : p);
      }
    } finally {
      disposeTensorsIn(outputs);
      disposeTensorsIn(batch);
    }
  }
  return out;
}
