import {
  type AnyDataset,
  type FitContext,
  isMapDataset,
  type JsonValue,
  type ModelBatch,
  type Prediction,
  type Preprocessor,
  type PreprocessorInstance,
  z,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import type { Episode, FeatureStats, StepExample } from '../data/episode.js';
import { computeFeatureStats } from '../data/feature-stats.js';
import {
  denormalize,
  type NormalizationMode,
  type Normalizer,
  normalizeInto,
  normalizerFor,
} from './normalizer.js';

export const policyInputOptions = z.strictObject({
  /** Step features that make up the observation, concatenated in this order. */
  observationKeys: z.array(z.string().min(1)).min(1).default(['observation.state']),
  /** The step feature the policy predicts. */
  actionKey: z.string().min(1).default('action'),
  /** Frames of observation the policy sees (the current one and the ones before it). */
  historyLength: z.number().int().min(1).max(64).default(1),
  normalization: z.enum(['mean_std', 'min_max', 'identity']).default('mean_std'),
  /**
   * Refit the statistics on this run's data even when a base's were restored. Off by default: a
   * frozen base was trained on inputs scaled with its own statistics, and adapting to a shifted
   * robot should not silently rescale what the base sees.
   */
  refitStats: z.boolean().default(false),
  /** Floor of a component's scale (a constant component would divide by zero). */
  minScale: z.number().positive().default(1e-3),
});

export type PolicyInputOptions = z.output<typeof policyInputOptions>;

/** The saved state (`preprocessor.json`): which features, their widths and statistics. */
export interface PolicyInputState {
  readonly observationKeys: readonly string[];
  readonly actionKey: string;
  readonly observationDims: readonly number[];
  readonly actionDim: number;
  readonly normalization: NormalizationMode;
  /** Statistics per observation key, and of the action. */
  readonly stats: Readonly<Record<string, FeatureStats>>;
}

/** One encoded step: the normalised observation window `[history, obsDim]` and action. */
export interface EncodedStep {
  readonly observation: Float32Array;
  readonly action: Float32Array | undefined;
}

async function* stepsOf(ds: AnyDataset<StepExample>): AsyncGenerator<StepExample> {
  if (isMapDataset(ds)) for (let i = 0; i < ds.length; i++) yield await ds.get(i);
  else yield* ds;
}

/**
 * Turns episode steps into policy inputs: the last `historyLength` observation frames (frames
 * before the episode start repeat its first frame, as LeRobot pads), each normalised with
 * statistics fitted on the training episodes, and the normalised action as the target.
 * `decodePrediction` maps predicted actions back to the robot's units.
 */
export class PolicyInput implements PreprocessorInstance<StepExample, EncodedStep, ModelBatch> {
  private state: PolicyInputState | undefined;
  private obsNorm: Normalizer[] = [];
  private actNorm: Normalizer | undefined;

  constructor(private readonly options: PolicyInputOptions) {}

  async fit(train: AnyDataset<StepExample>, context: FitContext): Promise<void> {
    const episodes = new Map<number, Episode>();
    for await (const step of stepsOf(train)) episodes.set(step.episode.index, step.episode);
    const list = [...episodes.values()];
    const first = list[0];
    if (!first) throw new Error('robotics/policy-input: no training steps to fit on');
    const o = this.options;
    const keys = [...o.observationKeys, o.actionKey];
    for (const key of keys) {
      if (!first.features[key]) {
        throw new Error(
          `robotics/policy-input: the episodes have no step feature '${key}' (available: ${Object.keys(first.features).join(', ')}); set preprocess.options.observationKeys / actionKey`,
        );
      }
    }
    const dimOf = (key: string) => (first.features[key] as Float32Array).length / first.length;
    const observationDims = o.observationKeys.map(dimOf);
    const actionDim = dimOf(o.actionKey);
    const restored = context.restored ? this.state : undefined;
    if (restored) {
      const same =
        restored.observationKeys.join() === o.observationKeys.join() &&
        restored.actionKey === o.actionKey &&
        restored.observationDims.join() === observationDims.join() &&
        restored.actionDim === actionDim;
      if (!same) {
        throw new Error(
          `robotics/policy-input: the base was trained on observation [${restored.observationKeys.map((k, i) => `${k}:${restored.observationDims[i]}`).join(', ')}] -> ${restored.actionKey}:${restored.actionDim}; these episodes have [${o.observationKeys.map((k, i) => `${k}:${observationDims[i]}`).join(', ')}] -> ${o.actionKey}:${actionDim}`,
        );
      }
      if (!o.refitStats) return; // keep the base's statistics (and normalisation mode)
    }
    this.setState({
      observationKeys: [...o.observationKeys],
      actionKey: o.actionKey,
      observationDims,
      actionDim,
      normalization: o.normalization,
      stats: computeFeatureStats(list, keys),
    });
  }

  private setState(state: PolicyInputState): void {
    this.state = state;
    const stat = (k: string) => {
      const s = state.stats[k];
      if (!s) throw new Error(`robotics/policy-input: saved state has no statistics for '${k}'`);
      return s;
    };
    this.obsNorm = state.observationKeys.map((k) =>
      normalizerFor(stat(k), state.normalization, this.options.minScale),
    );
    this.actNorm = normalizerFor(stat(state.actionKey), state.normalization, this.options.minScale);
  }

  private fitted(): PolicyInputState {
    if (!this.state) throw new Error('robotics/policy-input: not fitted (call fit or loadState first)');
    return this.state;
  }

  /** Width of one observation frame (all observation keys). */
  get observationDim(): number {
    return this.fitted().observationDims.reduce((a, b) => a + b, 0);
  }

  encode(step: StepExample): EncodedStep {
    const s = this.fitted();
    const h = this.options.historyLength;
    const width = this.observationDim;
    const observation = new Float32Array(h * width);
    for (let k = 0; k < h; k++) {
      const t = Math.max(0, step.t - (h - 1 - k));
      let offset = k * width;
      s.observationKeys.forEach((key, i) => {
        const dim = s.observationDims[i] as number;
        const all = step.episode.features[key];
        if (!all) throw new Error(`step ${step.t} of episode ${step.episode.index} has no '${key}'`);
        if (all.length !== step.episode.length * dim) {
          throw new Error(
            `'${key}' has ${all.length / step.episode.length} values per frame, expected ${dim}`,
          );
        }
        normalizeInto(
          this.obsNorm[i] as Normalizer,
          all.subarray(t * dim, (t + 1) * dim),
          observation,
          offset,
        );
        offset += dim;
      });
    }
    const acts = step.episode.features[s.actionKey];
    let action: Float32Array | undefined;
    if (acts) {
      action = new Float32Array(s.actionDim);
      normalizeInto(
        this.actNorm as Normalizer,
        acts.subarray(step.t * s.actionDim, (step.t + 1) * s.actionDim),
        action,
      );
    }
    return { observation, action };
  }

  /** `inputs: [observation [B, history, obsDim]]`, `targets: [B, actionDim]` when every step has an action. */
  collate(encoded: EncodedStep[]): ModelBatch {
    const h = this.options.historyLength;
    const width = this.observationDim;
    const obs = new Float32Array(encoded.length * h * width);
    for (const [i, e] of encoded.entries()) obs.set(e.observation, i * h * width);
    const withActions = encoded.every((e) => e.action);
    const a = this.fitted().actionDim;
    let targets: tf.Tensor | undefined;
    if (withActions) {
      const flat = new Float32Array(encoded.length * a);
      for (const [i, e] of encoded.entries()) flat.set(e.action as Float32Array, i * a);
      targets = tf.tensor2d(flat, [encoded.length, a]);
    }
    return {
      inputs: [tf.tensor3d(obs, [encoded.length, h, width])],
      ...(targets ? { targets } : {}),
      size: encoded.length,
    };
  }

  /**
   * One observation from the command line, as JSON: `{"observation.state": [..]}` (one frame) or
   * `[[..], [..]]` frames oldest first, or a bare list for a single observation key.
   */
  parseInput(input: string): StepExample {
    const s = this.fitted();
    let json: unknown;
    try {
      json = JSON.parse(input);
    } catch {
      throw new Error('expected a JSON observation, e.g. {"observation.state": [0.1, -0.2]}');
    }
    const asObject: Record<string, unknown> =
      Array.isArray(json) && s.observationKeys.length === 1
        ? { [s.observationKeys[0] as string]: json }
        : (json as Record<string, unknown>);
    if (!asObject || typeof asObject !== 'object' || Array.isArray(asObject)) {
      throw new Error(`expected a JSON object with ${s.observationKeys.join(', ')}`);
    }
    return observationStep(s, asObject);
  }

  decodePrediction(prediction: Prediction): Prediction {
    const value = prediction.value;
    if (!Array.isArray(value) || !this.actNorm) return prediction;
    return { ...prediction, value: denormalize(this.actNorm, value as number[]) };
  }

  modelConfig(): Readonly<Record<string, unknown>> {
    const s = this.fitted();
    return {
      observation_dim: this.observationDim,
      history_length: this.options.historyLength,
      action_dim: s.actionDim,
    };
  }

  saveState(): JsonValue {
    return this.fitted() as unknown as JsonValue;
  }

  loadState(state: JsonValue): void {
    const s = state as unknown as PolicyInputState;
    if (!s || !Array.isArray(s.observationKeys) || typeof s.actionKey !== 'string' || !s.stats) {
      throw new Error('robotics/policy-input: saved state is not a policy-input state');
    }
    this.setState(s);
  }
}

/**
 * A step example built from raw observation frames (`{key: frame | frames}`), e.g. what a
 * simulator returns; frames oldest first. Errors name the key and the expected width.
 */
export function observationStep(
  state: Pick<PolicyInputState, 'observationKeys' | 'observationDims'>,
  observation: Readonly<Record<string, unknown>>,
): StepExample {
  const features: Record<string, Float32Array> = {};
  let length = -1;
  state.observationKeys.forEach((key, i) => {
    const dim = state.observationDims[i] as number;
    const raw = observation[key];
    if (raw === undefined) throw new Error(`observation has no '${key}'`);
    const frames =
      Array.isArray(raw) && raw.every((f) => Array.isArray(f) || ArrayBuffer.isView(f))
        ? (raw as ArrayLike<number>[])
        : [raw as ArrayLike<number>];
    for (const f of frames) {
      if (
        !f ||
        (f as ArrayLike<number>).length !== dim ||
        Array.from(f as ArrayLike<number>).some((v) => typeof v !== 'number' || !Number.isFinite(v))
      ) {
        throw new Error(`'${key}' must be ${dim} finite numbers per frame`);
      }
    }
    if (length >= 0 && frames.length !== length)
      throw new Error('every observation key must have the same number of frames');
    length = frames.length;
    const buf = new Float32Array(frames.length * dim);
    for (const [t, f] of frames.entries()) buf.set(Array.from(f as ArrayLike<number>), t * dim);
    features[key] = buf;
  });
  return { episode: { index: -1, length, features }, t: length - 1 };
}

export const policyInputPreprocessor: Preprocessor<StepExample, EncodedStep, ModelBatch, PolicyInputOptions> =
  {
    id: 'robotics/policy-input',
    description:
      'observation history window + action, normalised with statistics fitted on training episodes',
    optionsSchema: policyInputOptions,
    create: (options) => new PolicyInput(options),
  };
