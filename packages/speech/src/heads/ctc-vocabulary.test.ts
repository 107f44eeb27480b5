import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildCharVocabulary,
  CtcVocabulary,
  readHfVocabulary,
  vocabularyFromHfJson,
} from './ctc-vocabulary.js';

// <pad>=0 (blank), <unk>=1, |=2, a=3, b=4, c=5
const vocab = new CtcVocabulary(buildCharVocabulary(['abc', 'c b']));
const greedy = (frames: number[], length?: number) => vocab.decode(vocab.collapse(frames, length));

describe('buildCharVocabulary', () => {
  it('puts <pad>, <unk>, | first, then the characters seen in code-point order, spaces excluded', () => {
    expect(buildCharVocabulary(['hello world', 'hi\tyo'])).toEqual([
      '<pad>',
      '<unk>',
      '|',
      'd',
      'e',
      'h',
      'i',
      'l',
      'o',
      'r',
      'w',
      'y',
    ]);
    expect(vocab.blankId).toBe(0);
    expect(vocab.delimiterId).toBe(2);
    expect(vocab.unkId).toBe(1);
  });
});

describe('CtcVocabulary.encode', () => {
  it('maps characters to ids and whitespace runs to one delimiter, trimming the ends', () => {
    expect(vocab.encode('ab c')).toEqual([3, 4, 2, 5]);
    expect(vocab.encode('  ab \t c ')).toEqual([3, 4, 2, 5]);
    expect(vocab.encode('')).toEqual([]);
  });

  it('turns unknown characters into <unk> and reports them; without <unk> it refuses', () => {
    const unknown: string[] = [];
    expect(vocab.encode('axb', (c) => unknown.push(c))).toEqual([3, 1, 4]);
    expect(unknown).toEqual(['x']);
    const strict = new CtcVocabulary(['<pad>', '|', 'a']);
    expect(() => strict.encode('ab')).toThrow(/character 'b' is not in the vocabulary and it has no '<unk>'/);
  });
});

describe('greedy CTC decoding', () => {
  it('merges repeats, then drops blanks: a blank between repeats keeps both', () => {
    expect(greedy([3, 3, 3, 4, 4])).toBe('ab');
    expect(greedy([3, 0, 3, 4])).toBe('aab');
    expect(greedy([3, 3, 0, 0, 3])).toBe('aa');
  });

  it('gives an empty text for all blanks or no frames', () => {
    expect(greedy([0, 0, 0])).toBe('');
    expect(greedy([])).toBe('');
  });

  it('turns delimiters into single spaces and trims them at the ends', () => {
    expect(greedy([2, 3, 2, 0, 2, 4, 2, 2])).toBe('a b');
    expect(greedy([3, 2, 2, 2, 5])).toBe('a c');
  });

  it("skips special tokens (<unk>, <s>) as HF's ASR pipeline does", () => {
    expect(greedy([3, 1, 4])).toBe('ab');
    const hf = new CtcVocabulary(['<pad>', '<s>', '</s>', '<unk>', '|', 'A']);
    expect(hf.decode(hf.collapse([1, 5, 0, 5, 2]))).toBe('AA');
  });

  it('reads only the valid frames', () => {
    expect(greedy([3, 4, 5, 5], 2)).toBe('ab');
  });

  it('refuses ids outside the vocabulary', () => {
    expect(() => vocab.decode([3, 9])).toThrow(/class id 9 is outside \[0, 6\)/);
  });
});

describe('vocabulary files and checks', () => {
  it('reads an HF vocab.json into labels in id order and writes the same mapping back', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-vocab-'));
    const file = path.join(dir, 'vocab.json');
    const json = { '|': 4, '<s>': 1, '<pad>': 0, '</s>': 2, '<unk>': 3, E: 5, T: 6 };
    await fs.writeFile(file, JSON.stringify(json));
    const labels = await readHfVocabulary(file);
    expect(labels).toEqual(['<pad>', '<s>', '</s>', '<unk>', '|', 'E', 'T']);
    expect(new CtcVocabulary(labels).toHfJson()).toEqual(json);
    await fs.writeFile(file, '{"a": 0, "b": 0}');
    await expect(readHfVocabulary(file)).rejects.toThrow(`${file}: id 0 is used by 'a' and 'b'`);
    await fs.writeFile(file, '{"a": 0, "b": 5}');
    await expect(readHfVocabulary(file)).rejects.toThrow(`${file}: token 'b' has id 5; ids must be 0..1`);
    await expect(readHfVocabulary(path.join(dir, 'none.json'))).rejects.toThrow(
      /none.json: cannot read the vocabulary/,
    );
    await fs.rm(dir, { recursive: true, force: true });
    expect(() => vocabularyFromHfJson([], 'x.json')).toThrow('x.json: expected a JSON object of token -> id');
  });

  it('needs the blank among the labels and no duplicates', () => {
    expect(() => new CtcVocabulary(['a', 'b'])).toThrow(/no blank token '<pad>' among 2 labels \(a, b\)/);
    expect(() => new CtcVocabulary(['<pad>', 'a', 'a'])).toThrow(/token 'a' appears twice/);
    expect(new CtcVocabulary(['_', 'a'], { blank: '_' }).blankId).toBe(0);
  });
});
