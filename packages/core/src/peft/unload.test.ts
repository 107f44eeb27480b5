import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Linear } from '../nn/index.js';
import { setSeed } from '../runtime/index.js';
import { getPeftModel } from './peft-model.js';
import { ids, maxAbsDiff, TinyBert, trainSteps, useCpuAndTmpDir } from './testing/index.js';
import './index.js';

useCpuAndTmpDir('unload');

describe('unload / mergeAndUnload / dispose free everything they drop', () => {
  it('mergeAndUnload with modulesToSave keeps the trained head and frees the original', () => {
    setSeed(1);
    const x = ids();
    const start = tf.memory().numTensors;
    const peft = getPeftModel(new TinyBert(), {
      peftType: 'LORA',
      r: 2,
      targetModules: ['query', 'value'],
      modulesToSave: ['classifier'],
    });
    trainSteps(peft, 2, { x });
    const adapted = peft.call(x);
    const plain = peft.mergeAndUnload();
    expect(plain.getSubmodule('classifier')).toBeInstanceOf(Linear);
    expect(tf.tidy(() => maxAbsDiff(plain.call(x), adapted))).toBeLessThan(1e-5);
    // Only the plain model's own tensors are left besides the output.
    expect(tf.memory().numTensors).toBe(start + plain.stateDict().size + 1);
    adapted.dispose();
    plain.dispose();
    expect(tf.memory().numTensors).toBe(start);
    x.dispose();
  });

  it('dispose() of a PeftModel with several kinds of adapters, some merged, leaves nothing', () => {
    setSeed(2);
    const x = ids();
    const start = tf.memory().numTensors;
    const peft = getPeftModel(new TinyBert(), {
      peftType: 'IA3',
      targetModules: ['key', 'value'],
      feedforwardModules: [],
    });
    peft.addAdapter('bit', { peftType: 'BITFIT', targetModules: ['classifier'] });
    peft.setAdapter(['default', 'bit']);
    trainSteps(peft, 2, { x });
    peft.merge(['default']);
    peft.dispose();
    expect(tf.memory().numTensors).toBe(start);
    x.dispose();
  });
});
