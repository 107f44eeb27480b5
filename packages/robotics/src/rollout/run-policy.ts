import { type LoadedRun, predictExamples, UserError } from '@peftkit/core';
import { observationStep, type PolicyInputState } from '../preprocess/policy-input.js';
import type { BatchPolicy } from './policy.js';

/**
 * A trained robotics run (`peftkit train` / `pretrain` output, loaded with `loadRun`) as a
 * rollout policy. Each env slot keeps its own observation history (cleared when an episode
 * starts there); every step builds one example per slot from the last `historyLength` env
 * observations and predicts all slots in one `predictExamples` call. Actions come back in robot
 * units (the preprocessor's `decodePrediction`). The env observation is the run's single
 * observation key (`observation.state`); a width mismatch is refused naming both.
 *
 * @example
 * const run = await loadRun(host, 'runs/cartpole-lora');
 * const result = await runRollouts({ id: 'cartpole', poleMass: 1 }, runPolicy(run), { episodes: 20 });
 */
export function runPolicy(run: LoadedRun): BatchPolicy {
  const { key, dim, history } = policyShape(run);
  const histories = new Map<number, Float64Array[]>();
  return {
    reset(slot) {
      histories.delete(slot);
    },
    async actBatch(observations, slots) {
      const examples = observations.map((o, i) => {
        if (o.length !== dim) {
          throw new UserError(
            `run ${run.dir} expects '${key}' of ${dim} values; the env observation has ${o.length}`,
          );
        }
        const slot = slots[i] as number;
        const frames = histories.get(slot) ?? [];
        frames.push(o);
        if (frames.length > history) frames.splice(0, frames.length - history);
        histories.set(slot, frames);
        return observationStep({ observationKeys: [key], observationDims: [dim] }, { [key]: frames });
      });
      const predictions = await predictExamples(run, examples);
      return predictions.map((p, i) => {
        const v = p.value;
        if (!Array.isArray(v) || v.some((x) => typeof x !== 'number'))
          throw new Error(`run ${run.dir}: prediction ${i} is not an action vector`);
        return Float64Array.from(v as number[]);
      });
    },
  };
}

/** The run's observation key and width and its history length; refuses non-policy runs. */
function policyShape(run: LoadedRun): { key: string; dim: number; history: number } {
  const state = run.instance.saveState() as Partial<PolicyInputState> | undefined;
  if (!state || !Array.isArray(state.observationKeys) || !Array.isArray(state.observationDims)) {
    throw new UserError(
      `run ${run.dir} uses preprocessor '${run.preprocessor.id}', not robotics/policy-input; it cannot act in an env`,
    );
  }
  if (state.observationKeys.length !== 1) {
    throw new UserError(
      `run ${run.dir} observes ${state.observationKeys.join(' + ')}; acting in an env needs a single observation key (the env observation)`,
    );
  }
  const history = Number(run.preprocessOptions['historyLength'] ?? 1);
  return {
    key: state.observationKeys[0] as string,
    dim: state.observationDims[0] as number,
    history: Number.isInteger(history) && history >= 1 ? history : 1,
  };
}
