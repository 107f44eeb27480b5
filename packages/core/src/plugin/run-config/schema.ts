import { z } from 'zod';
import { inputLimitsSchema } from '../../io/input-limits.js';
import type { PeftConfigInput } from '../../peft/config-map.js';
import { SCHEDULE_KINDS } from '../../train/lr-schedule.js';

/** How training examples are drawn each epoch (`data.sampling`). */
export const DATA_SAMPLINGS = ['auto', 'shuffle', 'class-balanced', 'group-by-length'] as const;
export type DataSampling = (typeof DATA_SAMPLINGS)[number];

const options = () => z.record(z.string(), z.unknown()).default({});
const positiveInt = () => z.number().int().positive();

const every = z.union([z.strictObject({ steps: positiveInt() }), z.strictObject({ epochs: positiveInt() })]);

const dataSchema = z.strictObject({
  /** Training data: a file, folder or any location the reader understands. */
  train: z.string().min(1).optional(),
  /**
   * Evaluation data. Without it the source's own eval split is used when the reader reports one
   * (a MedMNIST archive's `val`), else `evalFraction` of the training data is held out (stratified).
   */
  eval: z.string().min(1).optional(),
  /** Reader id; default: the first reader of the run's domain whose `canRead` accepts `train`. */
  reader: z.string().min(1).optional(),
  /** Reader options (columns, delimiters, label fields), validated by the reader. */
  options: options(),
  evalFraction: z.number().gt(0).lt(1).default(0.1),
  /**
   * Order of training examples: `auto` (default: `class-balanced` for a classification head whose
   * training classes are imbalanced, largest over smallest > 3, else `shuffle`; see
   * `resolveSampling`), `shuffle` (a seeded permutation per epoch), `class-balanced`
   * (drawn with replacement, weighted by inverse class frequency, from the reader's labels) or
   * `group-by-length` (shuffled, then batches of similar length, from the preprocessor's
   * `lengthOf`: less padding).
   */
  sampling: z.enum(DATA_SAMPLINGS).default('auto'),
  /**
   * Let manifests and folders point outside their dataset folder (absolute paths, `../`,
   * symlinks leading elsewhere); default false, so a shared dataset cannot read other files.
   */
  allowOutsideRoot: z.boolean().default(false),
});

const preprocessSchema = z.strictObject({
  id: z.string().min(1),
  options: options(),
});

const modelSchema = z
  .strictObject({
    /** Architecture id; may be omitted with `base` when its `config.json` names a known `model_type`. */
    architecture: z.string().min(1).optional(),
    /** Architecture config (ignored with `base`: the checkpoint's `config.json` wins). */
    config: options(),
    /** A base checkpoint directory (`config.json` + `model.safetensors`). */
    base: z.string().min(1).optional(),
  })
  // Here rather than on the whole config: zod skips a refinement while its object has issues,
  // and this problem should be reported together with the others.
  .superRefine((m, ctx) => {
    if (!m.architecture && !m.base) {
      ctx.addIssue({ code: 'custom', path: ['architecture'], message: 'or model.base is required' });
    }
  });

const headSchema = z.strictObject({
  id: z.string().min(1),
  config: options(),
  /** Train the head whole next to the adapter (HF `modules_to_save`); default true. */
  trainable: z.boolean().default(true),
});

/** A PEFT method config in camelCase (`peftType` plus the method's fields), or `'full'`. */
const peftSchema = z.union([z.literal('full'), z.looseObject({ peftType: z.string().min(1) })]);

const earlyStoppingSchema = z.strictObject({
  metric: z.string().min(1),
  mode: z.enum(['min', 'max']),
  patience: positiveInt(),
  minDelta: z.number().nonnegative().default(0),
  /** Never stop before this many optimizer steps (patience counts evaluations, which may be close). */
  minSteps: z.number().int().nonnegative().optional(),
});

const trainingSchema = z
  .strictObject({
    epochs: positiveInt().optional(),
    maxSteps: positiveInt().optional(),
    batchSize: positiveInt().default(16),
    /** Default: `batchSize`. */
    evalBatchSize: positiveInt().optional(),
    optimizer: z.enum(['adamw', 'adam', 'sgd']).default('adamw'),
    /**
     * Base learning rate, or `'auto'`: a learning-rate range test (`training.lrFinder`) on the
     * run's model, method and data picks it before training (see docs/training.md).
     */
    lr: z.union([z.number().positive(), z.literal('auto')]).default(1e-3),
    /** The range test behind `lr: auto` and `peftkit tune-lr`. */
    lrFinder: z
      .strictObject({
        steps: z.number().int().min(5).max(1000).default(100),
        minLr: z.number().positive().default(1e-7),
        maxLr: z.number().positive().default(1),
      })
      .refine((f) => f.maxLr > f.minLr, { message: 'maxLr must be greater than minLr', path: ['maxLr'] })
      .optional(),
    weightDecay: z.number().nonnegative().default(0.01),
    /** LoRA+: LoRA B matrices train at `lr * loraplusLrRatio`. */
    loraplusLrRatio: z.number().positive().optional(),
    schedule: z.enum(SCHEDULE_KINDS).default('linear'),
    warmupSteps: z.number().int().nonnegative().optional(),
    warmupRatio: z.number().min(0).lt(1).optional(),
    gradientAccumulation: positiveInt().default(1),
    /**
     * Recompute each transformer block's activations during the backward pass instead of keeping
     * them (HF `gradient_checkpointing`): less memory, about one more forward pass of time.
     */
    gradientCheckpointing: z.boolean().default(false),
    /**
     * Data-parallel replicas on worker threads, the main thread included: `1` trains in the main
     * thread only; `N` or `'auto'` (one per core when the step is large enough) splits each
     * micro-batch across replicas and sums their gradients (see docs/training.md, "Workers").
     */
    workers: z.union([z.literal('auto'), positiveInt()]).default(1),
    /** Global-norm clipping; `null` disables it. */
    maxGradNorm: z.number().positive().nullable().default(1),
    /** Default: once per epoch. */
    evalEvery: every.optional(),
    /** `null` or `false` turns off a preset's early stopping (`--set training.earlyStopping=null`). */
    earlyStopping: z
      .union([earlyStoppingSchema, z.literal(false)])
      .nullable()
      .optional(),
    seed: z.number().int().nonnegative().default(42),
    /** Metric names (built-in or contributed); default: the head's `defaultMetrics`. */
    metrics: z.array(z.string().min(1)).optional(),
    logEvery: positiveInt().default(10),
    /**
     * Binary classification: after training, choose the decision threshold on the positive class's
     * probability that maximises macro F1 on the evaluation split, save it with the run and use it
     * in eval, predict and serve (`false`: keep argmax).
     */
    tuneThreshold: z.boolean().default(true),
    /**
     * Refuse `--resume` when settings that change the trajectory (optimizer, data order,
     * trainable parameters) differ from the checkpoint's; `false` resumes anyway with a warning.
     */
    strictResume: z.boolean().optional(),
  })
  .superRefine((t, ctx) => {
    if (t.epochs === undefined && t.maxSteps === undefined) {
      ctx.addIssue({ code: 'custom', path: ['epochs'], message: 'or training.maxSteps is required' });
    }
    if (t.warmupSteps !== undefined && t.warmupRatio !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['warmupRatio'],
        message: 'cannot be combined with training.warmupSteps',
      });
    }
  });

/**
 * The evaluation `peftkit eval --adapter <run>` runs when given neither `--data` nor
 * `--evaluator`: a contributed evaluator (e.g. rollouts in a simulator) and its options.
 */
const evaluationSchema = z.strictObject({
  evaluator: z.string().min(1),
  /** Validated by the evaluator's `optionsSchema` when it runs. */
  options: options(),
  /**
   * Also run this evaluation when training finishes and put it in `report.html` (its metrics and
   * every SVG file it returns, e.g. rollout plots); its files go to `<run>/eval/`. `options` are
   * laid over `evaluation.options` for that run only (e.g. fewer episodes). `null` turns off a
   * preset's.
   */
  report: z.strictObject({ options: options() }).nullable().optional(),
});

const outputSchema = z.strictObject({
  /** Output directory; default `runs/<preset or architecture>-<timestamp>`. */
  dir: z.string().min(1).optional(),
});

/**
 * The one schema of a run: what to read, how to preprocess, which base and head, which PEFT
 * method (or `'full'` fine-tuning), how to train and where to write. Presets, config files and
 * CLI flags are layers of this object (see `resolveRunConfig`). Plugin-owned parts
 * (`data.options`, `preprocess.options`, `model.config`, `head.config`, the method fields of
 * `peft`) are validated by the plugin's own schemas once the host is known.
 */
export const runConfigSchema = z.strictObject({
  /** The preset this config started from (informational; set by resolution). */
  preset: z.string().min(1).optional(),
  domain: z.string().min(1).optional(),
  task: z.string().min(1).optional(),
  data: dataSchema.prefault({}),
  preprocess: preprocessSchema,
  model: modelSchema.prefault({}),
  head: headSchema,
  peft: peftSchema,
  training: trainingSchema,
  output: outputSchema.prefault({}),
  evaluation: evaluationSchema.optional(),
  /**
   * Raises (or lowers) the input limits readers and decoders apply (`InputLimits`: file, archive,
   * array, image sizes and JSON depth); unset fields keep `DEFAULT_INPUT_LIMITS`.
   */
  limits: inputLimitsSchema.optional(),
});

/** A validated run config with defaults applied. */
export type RunConfig = z.output<typeof runConfigSchema>;

/** The input form of a run config (defaults not yet applied). */
export type RunConfigInput = z.input<typeof runConfigSchema>;

/** Partial at every depth, for layers that set only some fields (presets, files, flags). */
export type DeepPartial<T> = T extends readonly (infer U)[]
  ? readonly U[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/**
 * One layer of a run config: a preset's `config`, a config file, or the CLI flags. Its `peft` is
 * typed as `getPeftModel`'s config (`PeftConfigInput`, partial since a higher layer may set only
 * some fields), so a preset's misspelled PEFT field fails to compile.
 */
export type RunConfigLayer = Omit<DeepPartial<RunConfigInput>, 'peft'> & {
  peft?: 'full' | DeepPartial<PeftConfigInput>;
};
