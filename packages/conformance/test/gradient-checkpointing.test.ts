import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  type AnyModule,
  enableGradientCheckpointing,
  getPeftModel,
  initBackend,
  type PeftConfigInput,
  type PeftModel,
  setSeed,
  valueAndGrads,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARCHITECTURES, createConformanceHost, primaryOutput, REQUIRED_OPTIONS } from '../src/index.js';

// Gradient checkpointing on every shipped architecture with repeated blocks (placement.layers):
// full fine-tuning, LoRA and prefix tuning (where the architecture takes them) give the same loss
// and gradients with and without it, and a checkpointed training step leaks no tensor.

const host = await createConformanceHost();
let tmp = '';
beforeAll(async () => {
  await initBackend();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-ckpt-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const METHODS = ['full', 'LORA', 'PREFIX_TUNING'] as const;

function disposeInputs(inputs: unknown[]): void {
  for (const i of inputs) {
    if (i instanceof tf.Tensor) i.dispose();
    else if (i && typeof i === 'object') tf.dispose(Object.values(i).filter((v) => v instanceof tf.Tensor));
  }
}

/** Max |a - b| / max(1, |b|) over all gradients. */
function worstRelative(a: Map<string, tf.Tensor>, b: Map<string, tf.Tensor>): number {
  let worst = 0;
  for (const [k, g] of b) {
    const x = a.get(k)?.dataSync();
    const y = g.dataSync();
    if (!x || x.length !== y.length) return Number.POSITIVE_INFINITY;
    for (let i = 0; i < y.length; i++) {
      worst = Math.max(
        worst,
        Math.abs((x[i] as number) - (y[i] as number)) / Math.max(1, Math.abs(y[i] as number)),
      );
    }
  }
  return worst;
}

for (const arch of ARCHITECTURES) {
  describe(arch.id, () => {
    for (const method of METHODS) {
      it(`${method}: same gradients with checkpointing, no leak`, async () => {
        setSeed(5);
        const built = await arch.build(host, tmp);
        if (!built.placement.layers) {
          expect(() => enableGradientCheckpointing(built.model, built.placement)).toThrow(
            /no repeated blocks/,
          );
          built.model.dispose();
          return;
        }
        let model: AnyModule = built.model;
        if (method !== 'full') {
          try {
            model = getPeftModel(
              built.model,
              { peftType: method, ...REQUIRED_OPTIONS[method] } as PeftConfigInput,
              {
                placement: built.placement,
                defaults: built.defaults,
                methods: host.peftMethods,
                warn: () => {},
              },
            ) as PeftModel;
          } catch {
            built.model.dispose(); // the architecture does not take this method (the matrix says why)
            return;
          }
        }
        model.train();
        const named = model.namedParameters({ trainableOnly: true });
        const inputs = arch.inputs();
        const weights = tf.tidy(() => {
          const out = primaryOutput(model.call(...inputs));
          return tf.randomNormal(out.shape, 0, 1, 'float32', 3);
        });
        const step = () => {
          setSeed(9);
          return valueAndGrads(
            named,
            () => tf.sum(tf.mul(primaryOutput(model.call(...inputs)), weights)) as tf.Scalar,
          );
        };
        const direct = step();
        const n = enableGradientCheckpointing(built.model, built.placement);
        expect(n).toBeGreaterThan(0);
        const ckpt = step();
        expect(ckpt.value.dataSync()[0]).toBeCloseTo(direct.value.dataSync()[0] as number, 5);
        expect([...ckpt.grads.keys()].sort()).toEqual([...direct.grads.keys()].sort());
        expect(worstRelative(ckpt.grads, direct.grads)).toBeLessThan(1e-5);
        tf.dispose([direct.value, ckpt.value, ...direct.grads.values(), ...ckpt.grads.values()]);
        const before = tf.memory().numTensors;
        for (let i = 0; i < 2; i++) {
          const r = step();
          tf.dispose([r.value, ...r.grads.values()]);
        }
        expect(tf.memory().numTensors).toBe(before);
        enableGradientCheckpointing(built.model, built.placement, false);
        weights.dispose();
        disposeInputs(inputs);
        model.dispose();
      });
    }
  });
}
