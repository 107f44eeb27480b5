import type * as tf from '@tensorflow/tfjs';
import { Module } from './module.js';

/** Already-projected key/value prefixes, each `[B, P, embedDim]`. */
export interface AttentionPrefix {
  key: tf.Tensor;
  value: tf.Tensor;
}

/**
 * Supplies prefix keys/values for prefix tuning. Called inside the attention's forward (and its
 * tidy scope) with the batch size; return fresh tensors or views of variables.
 */
export type PrefixProvider = (batchSize: number) => AttentionPrefix;

/**
 * The contract between an attention module and prefix tuning. Core's prefix-tuning method
 * finds the modules at the placement role `attention` (or `targetModules`), checks them with
 * `isPrefixHost`, and sets a provider for the duration of each forward. The host prepends the
 * provided keys/values to its projected ones and lets every query attend to them (masks get
 * visible columns in front, `extendMaskForPrefix`). `embedDim` and `numHeads`, when stated,
 * are checked against the adapter config (`tokenDim`, `numAttentionHeads`).
 *
 * Extend `PrefixTunableAttention` (or use `MultiHeadAttention`) rather than implementing it by
 * hand.
 */
export interface PrefixHost {
  setPrefixProvider(fn: PrefixProvider | undefined): void;
  readonly prefixProvider: PrefixProvider | undefined;
  readonly embedDim?: number;
  readonly numHeads?: number;
}

/** True when `m` accepts prefix keys/values (see `PrefixHost`). */
export function isPrefixHost(m: object): m is PrefixHost {
  return typeof (m as Partial<PrefixHost>).setPrefixProvider === 'function';
}

/**
 * Holds an attention module's prefix provider and checks what it returns. An attention that
 * cannot extend `PrefixTunableAttention` keeps one as a field and exposes `setPrefixProvider` /
 * `prefixProvider` itself.
 */
export class PrefixHook {
  private provider: PrefixProvider | undefined;

  set(fn: PrefixProvider | undefined): void {
    this.provider = fn;
  }

  get current(): PrefixProvider | undefined {
    return this.provider;
  }

  /**
   * The prefix for a batch, checked to be `[batchSize, P, embedDim]` for both keys and values;
   * undefined without a provider. Errors name `caller`.
   */
  fetch(batchSize: number, embedDim: number, caller: string): AttentionPrefix | undefined {
    if (!this.provider) return undefined;
    const pre = this.provider(batchSize);
    for (const [name, t] of [
      ['key', pre.key],
      ['value', pre.value],
    ] as const) {
      if (t.rank !== 3 || t.shape[0] !== batchSize || t.shape[2] !== embedDim) {
        throw new Error(`${caller}: prefix ${name} must be [${batchSize}, P, ${embedDim}], got [${t.shape}]`);
      }
    }
    if (pre.key.shape[1] !== pre.value.shape[1]) {
      throw new Error(
        `${caller}: prefix key [${pre.key.shape}] and value [${pre.value.shape}] differ in length`,
      );
    }
    return pre;
  }
}

/**
 * Base class of an attention module that serves prefix tuning (a `PrefixHost`). Subclasses read
 * `this.prefixHook.fetch(batch, embedDim, caller)` in `forward` and put the result in front of
 * their keys and values (`multiHeadContext` does both, with the mask).
 *
 * @example
 * class MyAttention extends PrefixTunableAttention<[tf.Tensor], tf.Tensor> {
 *   readonly embedDim = 64;
 *   readonly numHeads = 4;
 *   forward(x: tf.Tensor) {
 *     const prefix = this.prefixHook.fetch(x.shape[0], this.embedDim, 'MyAttention.forward');
 *     return multiHeadContext(q(x), k(x), v(x), { numHeads: this.numHeads, prefix });
 *   }
 * }
 */
export abstract class PrefixTunableAttention<I extends unknown[], O extends tf.TensorContainer>
  extends Module<I, O>
  implements PrefixHost
{
  protected readonly prefixHook = new PrefixHook();
  abstract readonly embedDim: number;
  abstract readonly numHeads: number;

  /** Sets (or with `undefined`, removes) the prefix-tuning provider. */
  setPrefixProvider(fn: PrefixProvider | undefined): void {
    this.prefixHook.set(fn);
  }

  get prefixProvider(): PrefixProvider | undefined {
    return this.prefixHook.current;
  }
}
