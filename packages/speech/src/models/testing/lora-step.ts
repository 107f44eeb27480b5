import {
  AdamW,
  type AnyModule,
  disposeGradients,
  getPeftModel,
  type Placement,
  valueAndGrads,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import type { SpeechEncoderOutput } from '../common/encoder-output.js';

/** What `expectLoraTrains` measured. */
export interface LoraStepResult {
  /** Paths of the modules LoRA wrapped. */
  readonly wrapped: string[];
  readonly losses: number[];
}

/**
 * Puts LoRA (r=2) on `attn.q` + `attn.v` of `model` through `placement`, then runs `steps` AdamW
 * steps of a masked squared-error loss on a fixed projection of the encoder output (not on its
 * norm, which a final LayerNorm would make constant). Checks that exactly the q/v
 * projections were wrapped, that the loss moves, that no base parameter or buffer changed, and that the
 * tensor count does not grow from one step to the next. Disposes the PEFT model.
 */
export function expectLoraTrains(
  model: AnyModule,
  placement: Placement,
  input: tf.Tensor,
  inputMask: tf.Tensor | undefined,
  steps = 3,
): LoraStepResult {
  const peft = getPeftModel(
    model,
    { peftType: 'LORA', r: 2, loraAlpha: 4, targetRoles: ['attn.q', 'attn.v'] },
    {
      placement,
    },
  );
  peft.train();
  const wrapped = [...peft.model.namedModules()]
    .filter(([, m]) => m.typeName === 'LoraLinear')
    .map(([p]) => p)
    .sort();
  // Frozen parameters and buffers (BatchNorm statistics included) must not move.
  const base = new Map(
    [...peft.stateDict()]
      .filter(([, p]) => !p.trainable)
      .map(([k, p]) => [k, Array.from(p.value.dataSync())]),
  );
  const named = peft.namedParameters({ trainableOnly: true });
  expect(named.length).toBeGreaterThan(0);
  expect(named.every(([k]) => k.includes('lora_'))).toBe(true);
  const opt = new AdamW([{ params: named, lr: 0.05 }], { weightDecay: 0 });
  const losses: number[] = [];
  const counts: number[] = [];
  try {
    for (let i = 0; i < steps; i++) {
      const { value, grads } = valueAndGrads(named, () =>
        tf.tidy(() => {
          const out = peft.forward(
            input,
            inputMask ? { attentionMask: inputMask } : {},
          ) as SpeechEncoderOutput;
          const d = out.lastHiddenState.shape[2] as number;
          const w = tf.sub(tf.div(tf.range(0, d), d), 0.5);
          const sq = tf.square(tf.sub(tf.sum(tf.mul(out.lastHiddenState, w), 2), 1));
          return tf.div(tf.sum(tf.mul(sq, out.attentionMask)), tf.sum(out.attentionMask)) as tf.Scalar;
        }),
      );
      losses.push(value.dataSync()[0] as number);
      opt.step(grads);
      value.dispose();
      disposeGradients(grads);
      counts.push(tf.memory().numTensors);
    }
  } finally {
    opt.dispose();
  }
  // The first step creates the optimizer's moment slots; after that nothing may accumulate.
  expect(new Set(counts.slice(1)).size).toBe(1);
  expect(losses.at(-1)).not.toBe(losses[0]);
  for (const [k, p] of peft.stateDict()) {
    const before = base.get(k);
    if (before) expect(Array.from(p.value.dataSync()), k).toEqual(before);
  }
  peft.dispose();
  return { wrapped, losses };
}
