import { createPeftkit } from '@peftkit/core';
import { describe, expect, it } from 'vitest';
import { nlpPlugin } from '../plugin.js';
import { corpusBleu } from './bleu.js';
import { corpusChrf } from './chrf.js';
import { createTextMetric, TextMetric } from './text-metric.js';

const WORDS = ['<pad>', 'the', 'cat', 'sat', 'on', 'mat', 'a', 'dog'];
/** A toy detokeniser: ids to words, padding (0) dropped. */
const decode = (row: ArrayLike<number>) =>
  Array.from(row)
    .filter((id) => id !== 0)
    .map((id) => WORDS[id])
    .join(' ');

describe('text metrics through the plugin', () => {
  it('registers bleu, chrf, chrf++, rouge and rouge_stem so run configs can name them', async () => {
    const host = await createPeftkit({ plugins: [nlpPlugin] });
    expect(host.failures).toEqual([]);
    for (const id of ['bleu', 'chrf', 'chrf++', 'rouge', 'rouge_stem']) {
      const m = host.createMetric(id);
      expect(m).toBeInstanceOf(TextMetric);
      expect(m.name).toBe(id);
    }
  });

  it('decodes token-id rows with the context decode and scores the whole corpus at compute', () => {
    const m = createTextMetric('bleu');
    // Two batches; padding differs in length, decode drops it.
    m.update([[1, 2, 3, 4, 1, 5, 0]], [[1, 2, 3, 4, 1, 5]], { decode });
    m.update(
      [
        [6, 7, 3, 0],
        [1, 2, 0, 0],
      ],
      [
        [6, 7, 3, 4, 6, 5],
        [1, 2, 3, 0],
      ],
      { decode },
    );
    const hyps = ['the cat sat on the mat', 'a dog sat', 'the cat'];
    const refs = [['the cat sat on the mat'], ['a dog sat on a mat'], ['the cat sat']];
    expect(m.compute()).toBeCloseTo(corpusBleu(hyps, refs).score, 12);
    const chrf = createTextMetric('chrf');
    chrf.addText(hyps, refs);
    expect(chrf.compute()).toBeCloseTo(corpusChrf(hyps, refs), 12);
    m.reset();
    m.addText(['the cat'], ['the cat']);
    expect(m.compute()).toBe(0); // two tokens: no 3- or 4-grams, as sacreBLEU without effective order
  });

  it('gives ROUGE as named values', () => {
    const m = createTextMetric('rouge');
    m.addText(['the cats sat'], ['the cat sat']);
    const plain = m.compute() as Record<string, number>;
    expect(Object.keys(plain)).toEqual(['rouge1', 'rouge2', 'rougeL']);
    expect(plain['rouge1']).toBeCloseTo(2 / 3, 12);
    const stem = createTextMetric('rouge_stem');
    stem.addText(['the cats sat'], ['the cat sat']);
    expect((stem.compute() as Record<string, number>)['rouge1']).toBe(1);
  });

  it('explains what it needs when given class predictions or no decode function', () => {
    const m = createTextMetric('bleu');
    expect(() => m.update([[1, 2]], [[1, 2]])).toThrow(/bleu: needs generated text.*decode function/);
    expect(() => m.update([1, 2], [1, 2], { decode })).toThrow(/bleu: predictions must be token-id rows/);
  });
});
