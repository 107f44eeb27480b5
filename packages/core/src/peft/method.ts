import type * as tf from '@tensorflow/tfjs';
import type { AnyModule, OptimizerStepInfo, Parameter } from '../nn/index.js';
import type { AdapterRouting } from './adapter-layer.js';
import type { ConfigSpec, PeftConfig } from './config.js';
import type { DefaultTargets, DefaultTargetsContext } from './defaults.js';
import type { Placement } from './placement.js';

/** What a method sees when it adds an adapter to a model. */
export interface InjectContext {
  /** The base model (root of the tree being adapted). */
  model: AnyModule;
  placement: Placement | undefined;
  /** Shared per-call routing for per-example adapter selection. */
  routing: AdapterRouting;
  warn: (message: string) => void;
}

/** What an injection did: the module paths it adapted (reported to users, saved in sidecars). */
export interface InjectReport {
  targets: string[];
  /**
   * Config fields (camelCase) to write to `adapter_config.json` in place of the user's, when the
   * method resolved something the file must state explicitly for HF PEFT to rebuild the same
   * adapter (e.g. IA3's feed-forward roles resolved to module paths). Applied after the
   * resolved `targetModules`.
   */
  fileConfig?: Readonly<Record<string, unknown>>;
}

/**
 * A PEFT method as a plain object (registered with `registerPeftMethod`). Tuner methods that wrap
 * target modules are built with `defineTunerMethod`; methods that act on the whole model (prompt
 * tuning) or only change trainability (BitFit) implement `inject` themselves.
 */
export interface PeftMethod<C extends PeftConfig = PeftConfig> {
  /** HF `peft_type`, upper case (`LORA`, `IA3`, ...). */
  readonly peftType: string;
  readonly config: ConfigSpec<C>;
  /**
   * The method's own targets when a config names none, as roles so they hold for every
   * architecture that declares them (HF PEFT keeps such defaults per model type). Called only by
   * `resolvePeftDefaults`. Return `undefined` to leave the config without targets (the method
   * then finds its modules at injection, e.g. LN tuning's "every norm layer"); use
   * `ctx.architectureDefault` (the architecture's entry, else its `'*'`) when the placement
   * lacks the roles; throw when nothing fits,
   * naming what to set. Methods without it take the architecture's entry, else its `'*'`.
   */
  defaultTargets?(config: Readonly<C>, ctx: DefaultTargetsContext): DefaultTargets | undefined;
  /**
   * Fills method fields that follow from the targets once they are known, as HF's
   * `_prepare_adapter_config` does (IA3: `feedforwardModules` from the `ffn.down` role). Called
   * by `resolvePeftDefaults` for every config; returns `config` itself when there is nothing to
   * fill, and must leave an already resolved config unchanged.
   */
  resolveDefaults?(config: Readonly<C>, ctx: { readonly placement: Placement | undefined }): Readonly<C>;
  /**
   * Adds adapter `adapterName` to `ctx.model`. `config` has been through `resolvePeftDefaults`.
   */
  inject(ctx: InjectContext, config: Readonly<C>, adapterName: string): InjectReport;
  /**
   * Parameters of adapter `adapterName` keyed by file key (the module path with the adapter name
   * removed, without the `base_model.model.` prefix). Default for tuner methods: walk adapter layers.
   * Tensors HF keeps on the tuner rather than in the model use `tunerKey(name)` (`base_model.<name>`).
   */
  adapterParameters(model: AnyModule, adapterName: string, config: Readonly<C>): Map<string, Parameter>;
  /** Removes adapter `adapterName` from the model (disposing its parameters). */
  remove(model: AnyModule, adapterName: string): void;
  /** Marks extra parameters trainable when the adapter is active (BitFit's biases, LoRA's `bias`). */
  markTrainable?(model: AnyModule, config: Readonly<C>, adapterName: string): void;
  /** Whether `merge()` is meaningful for this method. */
  readonly mergeable: boolean;
  /**
   * Builds adapter `request.adapterName` from a weighted combination of existing adapters of this
   * method (HF's `add_weighted_adapter`); `PeftModel.addWeightedAdapter` validates names and
   * delegates here. Methods without it reject the call.
   */
  addWeightedAdapter?(request: WeightedAdapterRequest<C>): void;
  /**
   * HF's `is_prompt_learning` (prompt and prefix tuning): HF's PeftModel then has no tuner
   * wrapper, so `modulesToSave` copies are saved as `base_model.<path>` rather than
   * `base_model.model.<path>`.
   */
  readonly promptLearning?: boolean;
  /** False when rows of one batch cannot use different adapters (default true). */
  readonly perExampleRouting?: boolean;
  /**
   * Virtual tokens an active adapter prepends to the `embed` output (prompt tuning), passed to
   * a `PromptAware` model before each forward.
   */
  virtualTokens?(config: Readonly<C>): number;
  /**
   * Called after every change of the active adapters (add, set, delete) and around
   * `disableAdapter`, before trainability is applied. Methods that train base parameters in place
   * (BitFit, SELECTIVE) swap the right values into the base here; methods that allow one active
   * adapter check that. Throwing rejects the change (the PeftModel restores its previous state).
   */
  syncState?(model: AnyModule, activation: AdapterActivation): void;
  /**
   * Frees what a method keeps outside the model's modules; called once per method by `unload()`
   * (`keep` false), `mergeAndUnload()` and `PeftModel.dispose()` (`keep` true). In-place methods
   * restore the original base values when `keep` is false and leave the active adapter's values
   * in the base when true; others (AdaLoRA's allocators) just dispose their state.
   */
  releaseState?(model: AnyModule, keep: boolean): void;
  /**
   * The parameters `loadAdapter` writes the file's tensors into (default: `adapterParameters`).
   * For methods whose saved form differs from their training form (prefix tuning with
   * projection saves the computed prefix).
   */
  loadTargets?(model: AnyModule, adapterName: string, config: Readonly<C>): Map<string, Parameter>;
  /**
   * What `savePretrained` writes instead of `adapterParameters`, for methods whose file form is
   * computed from the live parameters (AdaLoRA keeps only the singular triplets its rank
   * allocation kept). Keys as in `adapterParameters`; every returned `Parameter` is a fresh copy
   * that the caller disposes after writing.
   */
  saveTensors?(model: AnyModule, adapterName: string, config: Readonly<C>): Map<string, Parameter>;
  /**
   * Config fields (camelCase) learnt or resolved during training, written to
   * `adapter_config.json` over the config at save time (AdaLoRA's `rankPattern`, `totalStep`).
   */
  savedConfig?(model: AnyModule, adapterName: string, config: Readonly<C>): Readonly<Record<string, unknown>>;
  /**
   * Hooks into training, called by `PeftModel`'s `TrainingHooks` for each active adapter of this
   * method that trains (not `inferenceMode`, adapters not disabled). The Trainer only knows the
   * model's hooks, never the method.
   */
  readonly training?: MethodTrainingHooks<C>;
}

/** What a method's training hooks see: the adapted model and one of its adapters. */
export interface MethodTrainingContext<C extends PeftConfig = PeftConfig> {
  readonly model: AnyModule;
  readonly adapterName: string;
  readonly config: Readonly<C>;
}

/** Per-method training hooks (see `PeftMethod.training` and `TrainingHooks`). */
export interface MethodTrainingHooks<C extends PeftConfig = PeftConfig> {
  /** Before the first step; `totalSteps` is the run's total optimizer steps when known. */
  begin?(ctx: MethodTrainingContext<C>, info: { readonly totalSteps: number | undefined }): void;
  /** A term added to the training loss (inside the gradient tape), e.g. a regulariser. */
  loss?(ctx: MethodTrainingContext<C>): tf.Scalar | undefined;
  /** After each optimizer step, with that step's gradients. */
  afterStep?(ctx: MethodTrainingContext<C>, info: OptimizerStepInfo): void;
}

/** The adapter state `PeftMethod.syncState` sees. */
export interface AdapterActivation {
  /** Every active adapter of the model, whatever its method. */
  active: readonly string[];
  /** True inside `disableAdapter`. */
  disabled: boolean;
}

/**
 * Implemented by a model whose forward depends on the sequence length beyond the `embed` output
 * (attention masks, position ids, token types), so prompt tuning can keep those inputs in step:
 * before each forward with an active prompt adapter, `PeftModel` replaces the call's inputs with
 * `withVirtualTokens(inputs, count)`. The `count` virtual tokens come first in the sequence, so a
 * padding mask gets `count` ones prepended. Models that only use the embedding's output need not
 * implement it; without it a longer sequence meets the old mask and fails with a shape error.
 */
export interface PromptAware<I extends unknown[] = unknown[]> {
  withVirtualTokens(inputs: I, count: number): I;
}

export function isPromptAware(model: unknown): model is PromptAware {
  return typeof (model as Partial<PromptAware> | undefined)?.withVirtualTokens === 'function';
}

/** What `PeftMethod.addWeightedAdapter` receives. */
export interface WeightedAdapterRequest<C extends PeftConfig = PeftConfig> {
  model: AnyModule;
  /** The adapters to combine, in order, with their configs and the module paths they adapted. */
  sources: readonly { name: string; config: Readonly<C>; targets: readonly string[] }[];
  weights: readonly number[];
  adapterName: string;
  /** Method-specific (`'linear' | 'cat' | 'svd'` for LoRA). */
  combinationType: string;
  /** Method-specific options (LoRA: `svdRank`). */
  options: Readonly<Record<string, unknown>>;
  /** Adds the new (inactive) adapter through the PeftModel, so it is tracked and saved like any other. */
  addAdapter(config: Readonly<Record<string, unknown>>): void;
}
