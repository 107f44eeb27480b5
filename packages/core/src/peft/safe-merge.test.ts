import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Parameter } from '../nn/index.js';
import type { PeftConfigInput } from './config-map.js';
import { getPeftModel } from './peft-model.js';
import { maxAbsDiff, TinyBert } from './testing/index.js';
import './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('safeMerge', () => {
  const cases: [string, PeftConfigInput, RegExp][] = [
    ['LoRA', { peftType: 'LORA', r: 2, targetModules: ['query'] }, /lora_B/],
    ['DoRA', { peftType: 'LORA', r: 2, useDora: true, targetModules: ['query'] }, /lora_B/],
    ['LoHa', { peftType: 'LOHA', r: 2, targetModules: ['query'] }, /hada_w1_a/],
    ['IA3', { peftType: 'IA3', targetModules: ['query'], feedforwardModules: [] }, /ia3_l/],
  ];
  for (const [label, config, param] of cases) {
    it(`${label}: a NaN/Inf merge is refused with one message and leaves the weights as they were`, () => {
      const peft = getPeftModel(new TinyBert(), config);
      const [, p] = peft.namedParameters({ trainableOnly: true }).find(([n]) => param.test(n)) as [
        string,
        Parameter,
      ];
      p.assign(tf.fill(p.shape, Number.POSITIVE_INFINITY));
      const weight = peft.model
        .getSubmodule('encoder.layer.0.attention.self.query.base_layer')
        .namedParameters()[0]?.[1] as Parameter;
      const before = weight.value.clone();
      const tensors = tf.memory().numTensors;
      expect(() => peft.merge(undefined, { safeMerge: true })).toThrow(
        /^safe merge of adapter 'default' into Linear produced NaN\/Inf; nothing was changed$/,
      );
      expect(tf.memory().numTensors).toBe(tensors);
      expect(maxAbsDiff(weight.value, before)).toBe(0);
      before.dispose();
      peft.dispose();
    });
  }
});
