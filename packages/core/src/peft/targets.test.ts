import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { getPeftModel } from './peft-model.js';
import { TinyBert, TinyEncoder, tinyBertPlacement, tinyEncoderPlacement } from './testing/index.js';
import './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('targets that matched nothing', () => {
  it('get one warning, worded alike by the tuner walker, SELECTIVE and prompt tuning', () => {
    const warnings: string[] = [];
    const warn = (m: string) => warnings.push(m);
    const runs = [
      () => getPeftModel(new TinyBert(), { peftType: 'LORA', targetModules: ['query', 'querry'] }, { warn }),
      () =>
        getPeftModel(
          new TinyBert(),
          { peftType: 'SELECTIVE', trainableModules: ['classifier', 'clasifier'] },
          { placement: tinyBertPlacement, warn },
        ),
      () =>
        getPeftModel(
          new TinyEncoder(),
          { peftType: 'PROMPT_TUNING', numVirtualTokens: 2, targetModules: ['embed', 'embd'] },
          { placement: tinyEncoderPlacement, warn },
        ),
    ];
    for (const run of runs) run().dispose();
    expect(warnings).toEqual([
      'LORA: these targets matched no module and were ignored: querry (matched 2 modules through the others)',
      'SELECTIVE: these targets matched no module and were ignored: clasifier (matched 1 modules through the others)',
      'PROMPT_TUNING: these targets matched no module and were ignored: embd (matched 1 modules through the others)',
    ]);
  });
});
