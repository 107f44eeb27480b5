import { describe, expect, it } from 'vitest';
import {
  type AnyModule,
  Conv1d,
  Conv2d,
  Embedding,
  LayerNorm,
  Linear,
  Sequential,
} from '../../../nn/index.js';
import { setSeed } from '../../../runtime/index.js';
import { getPeftModel } from '../../peft-model.js';
import { useCpuAndTmpDir } from '../../testing/index.js';
import '../../index.js';
import { loraRankCost } from './rank-cost.js';

useCpuAndTmpDir('lora-rank-cost');

/** Trainable parameters of LoRA rank `r` on `module` (alone in a Sequential, so its path is '0'). */
function trainableAt(module: AnyModule, r: number): number {
  const peft = getPeftModel(new Sequential(module as never), { peftType: 'LORA', r, targetModules: ['0'] });
  const n = peft.getNbTrainableParameters().trainable;
  peft.dispose();
  return n;
}

describe('loraRankCost', () => {
  it('is the parameter count LoRA really builds per rank, for every kind LoRA wraps', () => {
    setSeed(0);
    const modules: [AnyModule, object][] = [
      [new Linear(6, 10), { kind: 'Linear', paramsPerRank: 16, maxRank: 6, rankMultiple: 1 }],
      [new Embedding(12, 5), { kind: 'Embedding', paramsPerRank: 17, maxRank: 5, rankMultiple: 1 }],
      [new Conv1d(4, 6, 3), { kind: 'Conv1d', paramsPerRank: 12 + 6, maxRank: 6, rankMultiple: 1 }],
      [new Conv2d(3, 8, 3), { kind: 'Conv2d', paramsPerRank: 27 + 8, maxRank: 8, rankMultiple: 1 }],
      [
        new Conv2d(4, 6, 3, { groups: 2 }),
        { kind: 'Conv2d', paramsPerRank: 36 + 3, maxRank: 6, rankMultiple: 2 },
      ],
      // Depthwise: lora_B is a 1x1 conv with groups = in, so r must be a multiple of 4.
      [
        new Conv2d(4, 8, 3, { groups: 4 }),
        { kind: 'Conv2d', paramsPerRank: 36 + 2, maxRank: 8, rankMultiple: 4 },
      ],
      [new Conv2d(2, 3, 1), { kind: 'Conv2d', paramsPerRank: 2 + 3, maxRank: 2, rankMultiple: 1 }],
    ];
    for (const [m, expected] of modules) {
      const cost = loraRankCost(m)!;
      expect(cost, m.typeName).toEqual(expected);
      for (const r of [cost.rankMultiple, 2 * cost.rankMultiple]) {
        expect(trainableAt(m, r), `${m.typeName} r=${r}`).toBe(r * cost.paramsPerRank);
      }
      // A rank that is not a multiple is what LoRA refuses, so a suggestion must never propose it.
      if (cost.rankMultiple > 1)
        expect(() => trainableAt(m, cost.rankMultiple + 1)).toThrow(/divisible by groups/);
      m.dispose();
    }
  });

  it('is undefined for modules LoRA does not wrap', () => {
    const norm = new LayerNorm(4);
    expect(loraRankCost(norm)).toBeUndefined();
    norm.dispose();
  });
});
