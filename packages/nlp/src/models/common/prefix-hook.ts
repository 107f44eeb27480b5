import { type AttentionPrefix, Module, type PrefixProvider } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';

/**
 * Prefix-tuning support for a self-attention module: the same `setPrefixProvider` hook core's
 * `MultiHeadAttention` has, which core's prefix-tuning method finds by duck typing. The provider
 * returns already-projected keys and values `[B, P, embedDim]`; they are prepended to the
 * projected ones and every query may attend to them.
 */
export class PrefixHook {
  private provider: PrefixProvider | undefined;

  set(fn: PrefixProvider | undefined): void {
    this.provider = fn;
  }

  get current(): PrefixProvider | undefined {
    return this.provider;
  }

  /** The prefix for a batch, checked against `[B, P, embedDim]`; undefined without a provider. */
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

/** Extends an additive mask `[B|1, 1, Tq, S]` with `p` zero (visible) columns in front. */
export function extendMaskForPrefix(mask: tf.Tensor | undefined, p: number): tf.Tensor | undefined {
  if (!mask || p === 0) return mask;
  const [b, h, tq] = mask.shape as [number, number, number, number];
  return tf.concat([tf.zeros([b, h, tq, p]), mask], 3);
}

/**
 * A self-attention module that serves prefix tuning: core's prefix-tuning method finds
 * `setPrefixProvider` by duck typing (role `attention`); subclasses read `prefixHook` in forward.
 */
export abstract class PrefixTunableAttention<
  I extends unknown[],
  O extends tf.TensorContainer,
> extends Module<I, O> {
  protected readonly prefixHook = new PrefixHook();

  setPrefixProvider(fn: PrefixProvider | undefined): void {
    this.prefixHook.set(fn);
  }

  get prefixProvider(): PrefixProvider | undefined {
    return this.prefixHook.current;
  }
}
