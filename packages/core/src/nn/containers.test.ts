import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ReLU } from './activations.js';
import { Linear } from './linear.js';
import { ModuleList } from './module-list.js';
import { Sequential } from './sequential.js';
import { expectClose, randomTensor, useCpu } from './testing/references.js';

beforeAll(useCpu);

describe('Sequential', () => {
  it("names children '0', '1', ... and chains them", () => {
    const a = new Linear(3, 4);
    const b = new Linear(4, 2);
    const seq = new Sequential(a, new ReLU(), b);
    expect(seq.namedParameters().map(([p]) => p)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(seq.length).toBe(3);
    expect(seq.at(-1)).toBe(b);
    const x = randomTensor([2, 3], 1);
    const manual = b.call(tf.relu(a.call(x)));
    expectClose(seq.call(x).dataSync(), manual.dataSync(), 1e-6);
    // A replaced child is used by the forward.
    seq.setSubmodule('1', new Linear(4, 4));
    const replaced = seq.call(x);
    expect(tf.max(tf.abs(tf.sub(replaced, manual))).dataSync()[0]).toBeGreaterThan(1e-4);
    expect(() => seq.at(3)).toThrow(/index 3 out of range for 3 modules/);
    seq.dispose();
  });
});

describe('ModuleList', () => {
  it('appends, indexes, iterates and reflects replacement', () => {
    const list = new ModuleList([new Linear(2, 2)]);
    const second = new Linear(2, 3);
    list.append(second);
    expect(list.length).toBe(2);
    expect(list.at(1)).toBe(second);
    expect(list.at(-2)).toBe(list.getSubmodule('0'));
    expect([...list]).toEqual([list.at(0), second]);
    const repl = new Linear(2, 5);
    list.setSubmodule('1', repl);
    expect(list.at(1)).toBe(repl);
    expect([...list.namedModules()].map(([p]) => p)).toEqual(['', '0', '1']);
    expect(() => list.call()).toThrow(/ModuleList is a container/);
    list.dispose();
  });
});
