import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Dropout, Linear, Sequential } from '../nn/index.js';
import { setSeed } from '../runtime/index.js';
import { getPeftModel, PeftModel } from './peft-model.js';
import { maxAbsDiff, useCpuAndTmpDir } from './testing/index.js';
import './index.js';

const tmp = useCpuAndTmpDir('from-pretrained-eval');

/** A base whose output changes from call to call in training mode (heavy dropout). */
function base(): Sequential {
  setSeed(5);
  return new Sequential(new Linear(6, 16), new Dropout(0.5), new Linear(16, 3));
}

describe('PeftModel.fromPretrained', () => {
  it('returns eval mode as HF does: reloaded predictions are deterministic and equal the saved model in eval', async () => {
    const peft = getPeftModel(base(), {
      peftType: 'LORA',
      r: 2,
      targetModules: ['0', '2'],
      loraDropout: 0.3,
    });
    // Non-zero B so the adapter changes the output.
    for (const [name, p] of peft.namedParameters()) {
      if (name.includes('lora_B')) p.assign(tf.randomNormal(p.shape, 0, 0.5, 'float32', 3));
    }
    const x = tf.randomNormal([4, 6], 0, 1, 'float32', 9);
    peft.eval();
    const saved = peft.call(x) as tf.Tensor;
    await peft.savePretrained(tmp('a'));

    const start = tf.memory().numTensors;
    const loaded = await PeftModel.fromPretrained(base(), tmp('a'));
    expect(loaded.training).toBe(false);
    expect([...loaded.namedModules()].every(([, m]) => !m.training)).toBe(true);
    const a = loaded.call(x) as tf.Tensor;
    const b = loaded.call(x) as tf.Tensor;
    expect(maxAbsDiff(a, b)).toBe(0);
    expect(maxAbsDiff(a, saved)).toBeLessThan(1e-6);
    // In training mode the same model is not deterministic: the check above could fail.
    loaded.train();
    const c = loaded.call(x) as tf.Tensor;
    expect(maxAbsDiff(c, a)).toBeGreaterThan(1e-3);
    tf.dispose([a, b, c]);
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(start);

    // isTrainable leaves the mode to the caller (training continues as it was).
    const trainable = await PeftModel.fromPretrained(base().train(), tmp('a'), { isTrainable: true });
    expect(trainable.training).toBe(true);
    trainable.dispose();
    tf.dispose([x, saved]);
    peft.dispose();
  });
});
