import type { AnyModule, Parameter } from '../nn/index.js';
import type { AdapterRouting } from './adapter-layer.js';
import type { ConfigSpec, PeftConfig } from './config.js';
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
  /** Adds adapter `adapterName` to `ctx.model`. */
  inject(ctx: InjectContext, config: Readonly<C>, adapterName: string): InjectReport;
  /**
   * Parameters of adapter `adapterName` keyed by file key (the module path with the adapter name
   * removed, without the `base_model.model.` prefix). Default for tuner methods: walk adapter layers.
   */
  adapterParameters(model: AnyModule, adapterName: string, config: Readonly<C>): Map<string, Parameter>;
  /** Removes adapter `adapterName` from the model (disposing its parameters). */
  remove(model: AnyModule, adapterName: string): void;
  /** Marks extra parameters trainable when the adapter is active (BitFit's biases, LoRA's `bias`). */
  markTrainable?(model: AnyModule, config: Readonly<C>, adapterName: string): void;
  /** Whether `merge()` is meaningful for this method. */
  readonly mergeable: boolean;
}
