import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { disposeAll, loadTorchStateDict, PeftModel } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadBertCheckpoint } from './models/bert/checkpoint.js';
import { SequenceClassificationModel } from './models/task/sequence-classification.js';
import { loadTextBase } from './models/text-base.js';

/**
 * The library path a `transformers` + `peft` user writes, with no casts: the loaders return the
 * precise model type (`BertModel`, or the text backbone union), which goes straight into a task
 * model; `PeftModel.fromPretrained` returns eval mode and initialises the backend itself.
 */
const FIXTURE = fileURLToPath(new URL('../test-data/hf-peft', import.meta.url));

describe('HF base + HF PEFT adapter through the library API', () => {
  it('loadBertCheckpoint / loadTextBase -> SequenceClassificationModel -> fromPretrained matches PyTorch', async () => {
    const ref = JSON.parse(await fs.readFile(path.join(FIXTURE, 'reference.json'), 'utf8'));
    for (const load of [loadBertCheckpoint, loadTextBase]) {
      const { model: bert, headTensors } = await load(path.join(FIXTURE, 'base'));
      const clf = new SequenceClassificationModel(bert, { numLabels: ref.labels.length });
      loadTorchStateDict(clf.getSubmodule('classifier'), headTensors, { prefix: 'classifier' });
      disposeAll(headTensors);
      const peft = await PeftModel.fromPretrained(clf, path.join(FIXTURE, 'adapter-clf'));
      expect(peft.training).toBe(false);
      const start = tf.memory().numTensors;
      for (const [i, ids] of (ref.ids as number[][]).entries()) {
        const probs = tf.tidy(() =>
          tf.softmax(peft.call(tf.tensor2d([ids], [1, ids.length], 'int32'), {})).dataSync(),
        );
        const want = ref['adapter-clf'][i] as number[];
        for (const [j, p] of probs.entries()) expect(Math.abs(p - (want[j] as number))).toBeLessThan(1e-4);
      }
      expect(tf.memory().numTensors).toBe(start);
      peft.dispose();
    }
  });
});
