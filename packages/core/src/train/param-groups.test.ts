import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Parameter } from '../nn/parameter.js';
import { defaultParamGroups, isLoraB, loraPlusParamGroups, type NamedParameter } from './param-groups.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const p = (shape: number[], trainable = true) => new Parameter(tf.zeros(shape), { trainable });

function named(): NamedParameter[] {
  return [
    ['encoder.query.weight', p([4, 4])],
    ['encoder.query.bias', p([4])],
    ['encoder.norm.weight', p([4])],
    ['encoder.query.lora_A.default.weight', p([4, 2])],
    ['encoder.query.lora_B.default.weight', p([2, 4])],
    ['head.lora_B', p([2, 3])],
    ['head.scale', p([])],
  ];
}

const paths = (g: { params: readonly NamedParameter[] }) => g.params.map(([path]) => path);

describe('defaultParamGroups', () => {
  it('exempts rank <= 1 tensors from weight decay', () => {
    const groups = defaultParamGroups(named(), { weightDecay: 0.05 });
    expect(groups.map((g) => [g.name, g.weightDecay])).toEqual([
      ['decay', 0.05],
      ['no_decay', 0],
    ]);
    expect(paths(groups[1]!)).toEqual(['encoder.query.bias', 'encoder.norm.weight', 'head.scale']);
    expect(paths(groups[0]!)).toHaveLength(4);
  });

  it('takes a custom no-decay rule and drops empty groups', () => {
    const groups = defaultParamGroups(named(), { weightDecay: 0.1, noDecay: () => false });
    expect(groups).toHaveLength(1);
    expect(groups[0]!.params).toHaveLength(7);
  });

  it('rejects frozen parameters by name', () => {
    const list = [...named(), ['base.weight', p([2, 2], false)] as const];
    expect(() => defaultParamGroups(list, { weightDecay: 0 })).toThrow(/frozen.*base\.weight/);
  });
});

describe('loraPlusParamGroups', () => {
  it('gives B matrices lr x ratio, with decay split inside each', () => {
    const groups = loraPlusParamGroups(named(), { lr: 1e-3, loraplusLrRatio: 16, weightDecay: 0.01 });
    const byName = Object.fromEntries(groups.map((g) => [g.name, g]));
    expect(Object.keys(byName)).toEqual(['A', 'A_no_decay', 'B']);
    expect(paths(byName.B!)).toEqual(['encoder.query.lora_B.default.weight', 'head.lora_B']);
    expect(byName.B!.lr).toBeCloseTo(16e-3, 12);
    expect(byName.B!.weightDecay).toBe(0.01);
    expect(byName.A!.lr).toBe(1e-3);
    expect(paths(byName.A!)).toEqual(['encoder.query.weight', 'encoder.query.lora_A.default.weight']);
    expect(byName.A_no_decay!.weightDecay).toBe(0);
  });

  it('uses the isB predicate and fails loudly when nothing matches', () => {
    expect(isLoraB('x.lora_B.weight')).toBe(true);
    expect(isLoraB('x.lora_BB.weight')).toBe(false);
    expect(isLoraB('x.lora_B')).toBe(true);
    expect(isLoraB('x.lora_B.default.weight')).toBe(true);
    // An embedding adapter's output-side factor, in memory and in files; never its A.
    expect(isLoraB('bert.embeddings.word_embeddings.lora_embedding_B.default')).toBe(true);
    expect(isLoraB('bert.embeddings.word_embeddings.lora_embedding_B')).toBe(true);
    expect(isLoraB('bert.embeddings.word_embeddings.lora_embedding_A.default')).toBe(false);
    expect(isLoraB('x.lora_embedding_BB')).toBe(false);
    const groups = loraPlusParamGroups(named(), {
      lr: 1,
      loraplusLrRatio: 4,
      isB: (path) => path.startsWith('head.'),
    });
    expect(groups.filter((g) => g.name?.startsWith('B')).flatMap(paths)).toEqual([
      'head.lora_B',
      'head.scale',
    ]);
    expect(() => loraPlusParamGroups(named(), { lr: 1, loraplusLrRatio: 4, isB: () => false })).toThrow(
      /no parameter matched the LoRA B test/,
    );
    expect(() => loraPlusParamGroups(named(), { lr: 1, loraplusLrRatio: 0 })).toThrow(/loraplusLrRatio/);
  });
});
