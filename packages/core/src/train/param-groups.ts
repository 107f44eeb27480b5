import type { Parameter } from '../nn/parameter.js';

/** A parameter with its dotted path, as yielded by `module.namedParameters()`. */
export type NamedParameter = readonly [path: string, parameter: Parameter];

/**
 * A set of parameters that share optimizer hyper-parameters. `lr` and `weightDecay` fall back to
 * the optimizer's defaults when omitted.
 */
export interface ParamGroup {
  name?: string;
  params: readonly NamedParameter[];
  lr?: number;
  weightDecay?: number;
}

/** Decides whether a parameter is exempt from weight decay. */
export type NoDecayRule = (path: string, p: Parameter) => boolean;

/**
 * The default no-decay rule: biases and normalisation weights, i.e. every tensor of rank <= 1.
 * Decaying them pulls LayerNorm gains towards 0 and biases towards 0 for no regularisation
 * benefit, which is why HF Trainer and most recipes exempt them.
 */
export const rankAtMostOne: NoDecayRule = (_path, p) => p.shape.length <= 1;

/**
 * The default LoRA+ "is this a B matrix" test. PEFT stores B as `<target>.lora_B.<adapter>.weight`
 * (in memory) or `<target>.lora_B.weight` (in files); both contain `.lora_B.` or end in `lora_B`.
 * An adapted Embedding's output-side factor is `lora_embedding_B` (`<target>.lora_embedding_B.<adapter>`
 * in memory, `<target>.lora_embedding_B` in files): it is B to LoRA+ as well, where HF PEFT's
 * `create_loraplus_optimizer` instead puts every embedding adapter tensor in a group of its own at
 * `loraplus_lr_embedding` (1e-6 by default, which all but freezes it).
 */
export const isLoraB = (path: string): boolean => /(^|\.)lora_(embedding_)?B(\.|$)/.test(path);

/**
 * Throws, naming every offender, if a parameter is frozen: only trainable parameters may get
 * optimizer state (a frozen base model would otherwise double memory for nothing).
 */
export function assertTrainable(named: readonly NamedParameter[], caller: string): void {
  const frozen = named.filter(([, p]) => !p.trainable).map(([path]) => path);
  if (frozen.length > 0) {
    throw new Error(
      `${caller}: ${frozen.length} parameter(s) are frozen (trainable=false) and cannot be optimized: ` +
        `${frozen.join(', ')}. Pass module.namedParameters({ trainableOnly: true }).`,
    );
  }
}

export interface DefaultParamGroupsOptions {
  /** Weight decay of the decayed group (the no-decay group always gets 0). */
  weightDecay: number;
  /** Parameters for which this returns true get weight decay 0. Default: rank <= 1 tensors. */
  noDecay?: NoDecayRule;
}

/**
 * Splits parameters into a `decay` group and a `no_decay` group (biases and norm weights by
 * default). Empty groups are left out.
 *
 * @example
 * ```ts
 * const groups = defaultParamGroups(model.namedParameters({ trainableOnly: true }), { weightDecay: 0.01 });
 * const opt = new AdamW(groups, { lr: 3e-4 });
 * ```
 */
export function defaultParamGroups(
  named: readonly NamedParameter[],
  options: DefaultParamGroupsOptions,
): ParamGroup[] {
  assertTrainable(named, 'defaultParamGroups');
  checkNonNegative(options.weightDecay, 'weightDecay', 'defaultParamGroups');
  const noDecay = options.noDecay ?? rankAtMostOne;
  const decay: NamedParameter[] = [];
  const exempt: NamedParameter[] = [];
  for (const entry of named) (noDecay(entry[0], entry[1]) ? exempt : decay).push(entry);
  const groups: ParamGroup[] = [];
  if (decay.length) groups.push({ name: 'decay', params: decay, weightDecay: options.weightDecay });
  if (exempt.length) groups.push({ name: 'no_decay', params: exempt, weightDecay: 0 });
  return groups;
}

export interface LoraPlusParamGroupsOptions {
  /** Learning rate of the A matrices and every other non-B parameter. */
  lr: number;
  /** B matrices train at `lr * loraplusLrRatio` (the LoRA+ paper suggests ~16). */
  loraplusLrRatio: number;
  /** Weight decay of decayed parameters (default 0). */
  weightDecay?: number;
  /** Which parameters are B matrices. Default: {@link isLoraB}. */
  isB?: (path: string) => boolean;
  /** Which parameters are exempt from weight decay. Default: rank <= 1 tensors. */
  noDecay?: NoDecayRule;
}

/**
 * LoRA+ (Hayou et al. 2024): the B matrices get a learning rate `loraplusLrRatio` times higher
 * than A. Returns up to four groups, `A`, `A_no_decay`, `B`, `B_no_decay`, each with an explicit
 * `lr`. Unlike PEFT's `create_loraplus_optimizer`, rank-1 tensors are not moved to the B learning
 * rate: only what `isB` selects is boosted. Throws when `isB` matches nothing, since LoRA+ would
 * then silently be plain LoRA.
 *
 * @example
 * ```ts
 * const groups = loraPlusParamGroups(peftModel.namedParameters({ trainableOnly: true }), {
 *   lr: 2e-4, loraplusLrRatio: 16, weightDecay: 0.01,
 * });
 * const opt = new AdamW(groups);
 * ```
 */
export function loraPlusParamGroups(
  named: readonly NamedParameter[],
  options: LoraPlusParamGroupsOptions,
): ParamGroup[] {
  const caller = 'loraPlusParamGroups';
  assertTrainable(named, caller);
  checkNonNegative(options.lr, 'lr', caller);
  if (!(options.loraplusLrRatio > 0) || !Number.isFinite(options.loraplusLrRatio)) {
    throw new Error(`${caller}: loraplusLrRatio must be a positive number, got ${options.loraplusLrRatio}`);
  }
  const weightDecay = options.weightDecay ?? 0;
  checkNonNegative(weightDecay, 'weightDecay', caller);
  const isB = options.isB ?? isLoraB;
  const noDecay = options.noDecay ?? rankAtMostOne;
  const buckets: Record<'A' | 'A_no_decay' | 'B' | 'B_no_decay', NamedParameter[]> = {
    A: [],
    A_no_decay: [],
    B: [],
    B_no_decay: [],
  };
  for (const entry of named) {
    const key = `${isB(entry[0]) ? 'B' : 'A'}${noDecay(entry[0], entry[1]) ? '_no_decay' : ''}` as const;
    buckets[key].push(entry);
  }
  if (buckets.B.length + buckets.B_no_decay.length === 0) {
    throw new Error(
      `${caller}: no parameter matched the LoRA B test among ${named.length} parameter(s) ` +
        `(first: ${named
          .slice(0, 3)
          .map(([p]) => p)
          .join(', ')}); pass isB for your naming scheme`,
    );
  }
  const bLr = options.lr * options.loraplusLrRatio;
  const groups: ParamGroup[] = [];
  const add = (name: keyof typeof buckets, lr: number, wd: number): void => {
    if (buckets[name].length) groups.push({ name, params: buckets[name], lr, weightDecay: wd });
  };
  add('A', options.lr, weightDecay);
  add('A_no_decay', options.lr, 0);
  add('B', bLr, weightDecay);
  add('B_no_decay', bLr, 0);
  return groups;
}

/** Throws unless `value` is a finite number >= 0. */
export function checkNonNegative(value: number, name: string, caller: string): void {
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new Error(`${caller}: ${name} must be a finite number >= 0, got ${value}`);
  }
}
