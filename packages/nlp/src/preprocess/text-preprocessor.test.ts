import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { arrayDataset, Rng } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TextInputs } from '../models/task/backbone.js';
import { ByteLevelBpeTokenizer } from './bpe-tokenizer.js';
import { BYTE_ENCODER } from './byte-level.js';
import type { TextBatch } from './text-batch.js';
import { TextPreprocessor, textPreprocessorOptions } from './text-preprocessor.js';
import { saveTokenizer } from './tokenizer-files.js';
import { Vocab } from './vocab.js';
import { WordPieceTokenizer } from './wordpiece-tokenizer.js';

const VOCAB = [
  '[PAD]',
  '[UNK]',
  '[CLS]',
  '[SEP]',
  '[MASK]',
  'good',
  'bad',
  'movie',
  'ada',
  'paris',
  'un',
  '##aff',
  '##able',
];
const ctx = (seed = 1) => ({ training: true, rng: new Rng(seed) });

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function pre(options: Record<string, unknown> = {}): TextPreprocessor {
  const p = new TextPreprocessor(textPreprocessorOptions.parse({ maxLength: 8, ...options }));
  p.setTokenizer(new WordPieceTokenizer(Vocab.fromLines(VOCAB)));
  return p;
}

function arrays(batch: TextBatch) {
  const [ids, inputs] = batch.inputs as [tf.Tensor, TextInputs];
  return {
    ids: ids.arraySync() as number[][],
    mask: inputs.attentionMask?.arraySync() as number[][],
    types: inputs.tokenTypeIds?.arraySync() as number[][],
    starts: inputs.wordStarts?.arraySync() as number[][] | undefined,
    targets: batch.targets?.arraySync(),
    dtype: batch.targets?.dtype,
  };
}

function dispose(batch: TextBatch): void {
  const [ids, inputs] = batch.inputs as [tf.Tensor, TextInputs];
  tf.dispose([ids, ...Object.values(inputs), ...(batch.targets ? [batch.targets] : [])] as tf.Tensor[]);
}

describe('nlp/tokenizer preprocessor', () => {
  it('collates classification examples: padded ids, masks, token types, int32 labels', () => {
    const p = pre();
    const batch = p.collate(
      [p.encode({ text: 'good movie', label: 1 }), p.encode({ text: 'bad', pair: 'movie', label: 0 })],
      ctx(),
    );
    const a = arrays(batch);
    expect(a.ids).toEqual([
      [2, 5, 7, 3, 0],
      [2, 6, 3, 7, 3],
    ]);
    expect(a.mask).toEqual([
      [1, 1, 1, 1, 0],
      [1, 1, 1, 1, 1],
    ]);
    expect(a.types[1]).toEqual([0, 0, 0, 1, 1]);
    expect(a.targets).toEqual([1, 0]);
    expect(a.dtype).toBe('int32');
    expect(batch.rows).toEqual([
      [2, 5, 7, 3],
      [2, 6, 3, 7, 3],
    ]);
    dispose(batch);
  });

  it('gives float targets for regression and truncates to maxLength', () => {
    const p = pre({ maxLength: 4 });
    const batch = p.collate([p.encode({ text: 'good good good good good', value: 4.5 })], ctx());
    const a = arrays(batch);
    expect(a.ids).toEqual([[2, 5, 5, 3]]);
    expect(a.targets).toEqual([4.5]);
    expect(a.dtype).toBe('float32');
    dispose(batch);
  });

  it('labels only the first piece of each word for token classification', () => {
    const p = pre();
    const batch = p.collate(
      [p.encode({ text: 'Ada unaffable Paris', words: ['Ada', 'unaffable', 'Paris'], tags: [2, 0, 1] })],
      ctx(),
    );
    const a = arrays(batch);
    expect(a.ids).toEqual([[2, 8, 10, 11, 12, 9, 3]]);
    expect(a.targets).toEqual([[-100, 2, 0, -100, -100, 1, -100]]);
    expect(a.starts).toEqual([[0, 1, 1, 0, 0, 1, 0]]);
    dispose(batch);
  });

  it('masks unlabelled text BERT-style, reproducibly per seed, never special tokens or padding', () => {
    const p = pre({ maxLength: 64, mlmProbability: 0.3 });
    const examples = Array.from({ length: 6 }, (_, i) =>
      p.encode({ text: 'good movie bad movie good'.slice(0, 10 + i * 3) }),
    );
    const batch = p.collate(examples, ctx(7));
    const a1 = arrays(batch);
    expect(arrays(p.collate(examples, ctx(7)))).toEqual(a1);
    expect(arrays(p.collate(examples, ctx(8))).ids).not.toEqual(a1.ids);
    (a1.targets as number[][]).forEach((row, b) => {
      const original = batch.rows[b] as number[];
      expect(row.some((t) => t !== -100)).toBe(true);
      row.forEach((t, i) => {
        if (t === -100) return;
        expect(t).toBe(original[i]); // the target is the original token
        expect([0, 2, 3]).not.toContain(t); // never [PAD], [CLS], [SEP]
      });
    });
    // A text with [MASK] already in it is a fill-mask query: left as written.
    const q = arrays(p.collate([p.encode({ text: 'good [MASK]' })], ctx(1)));
    expect(q.ids).toEqual([[2, 5, 4, 3]]);
    expect(q.targets).toEqual([[-100, -100, -100, -100]]);
  });

  it('gives causal-LM targets for byte-level BPE: ids, -100 on padding', () => {
    const p = new TextPreprocessor(textPreprocessorOptions.parse({}));
    p.setTokenizer(new ByteLevelBpeTokenizer(Vocab.fromLines([...BYTE_ENCODER, '<|endoftext|>']), []));
    const a = arrays(p.collate([p.encode({ text: 'ab' }), p.encode({ text: 'c' })], ctx()));
    expect(a.ids).toEqual([
      [97, 98],
      [99, 256],
    ]);
    expect(a.targets).toEqual([
      [97, 98],
      [99, -100],
    ]);
  });

  it('trains a vocabulary when it has none, keeps a restored one, and loads a tokenizer directory', async () => {
    const texts = Array.from({ length: 20 }, (_, i) => ({ text: i % 2 ? 'the good movie' : 'the bad plot' }));
    const fresh = new TextPreprocessor(textPreprocessorOptions.parse({ vocabSize: 40 }));
    await fresh.fit(arrayDataset(texts), { restored: false, baseDir: undefined });
    expect(fresh.tokenizer.tokenize('the good movie').tokens).toEqual(['the', 'good', 'movie']);
    expect(fresh.modelConfig()).toEqual({ vocab_size: fresh.tokenizer.vocabSize });

    const restored = new TextPreprocessor(textPreprocessorOptions.parse({ vocabSize: 40 }));
    restored.loadState(JSON.parse(JSON.stringify(pre().saveState())));
    await restored.fit(arrayDataset(texts), { restored: true, baseDir: undefined });
    expect(restored.tokenizer.vocab.tokens()).toEqual(VOCAB);

    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-pre-'));
    await saveTokenizer(dir, new WordPieceTokenizer(Vocab.fromLines(VOCAB)));
    const fromDir = new TextPreprocessor(textPreprocessorOptions.parse({ tokenizer: dir }));
    await fromDir.fit(arrayDataset(texts), { restored: false, baseDir: undefined });
    expect(fromDir.tokenizer.vocab.tokens()).toEqual(VOCAB);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('takes the tokenizer files of a base checkpoint directory and never trains over a base', async () => {
    const texts = Array.from({ length: 20 }, (_, i) => ({ text: i % 2 ? 'the good movie' : 'the bad plot' }));
    const base = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-pre-base-'));
    try {
      // A hub-style BERT directory: config.json, weights and vocab.txt, no preprocessor.json.
      await fs.writeFile(path.join(base, 'config.json'), '{"model_type":"bert"}');
      const fromBase = new TextPreprocessor(textPreprocessorOptions.parse({ vocabSize: 40 }));
      await expect(fromBase.fit(arrayDataset(texts), { restored: false, baseDir: base })).rejects.toThrow(
        /has no tokenizer .*set preprocess\.options\.tokenizer/,
      );
      await fs.writeFile(path.join(base, 'vocab.txt'), `${VOCAB.join('\n')}\n`);
      await fromBase.fit(arrayDataset(texts), { restored: false, baseDir: base });
      expect(fromBase.tokenizer.vocab.tokens()).toEqual(VOCAB);
      expect(fromBase.tokenizer.tokenize('the good movie').tokens).toEqual(['[UNK]', 'good', 'movie']);

      // saveFiles writes the HF directory next to an adapter; it loads back as the same tokenizer.
      const out = path.join(base, 'adapter');
      await fromBase.saveFiles(out);
      expect((await fs.readdir(out)).sort()).toEqual([
        'special_tokens_map.json',
        'tokenizer.json',
        'tokenizer_config.json',
        'vocab.txt',
      ]);
      const again = new TextPreprocessor(textPreprocessorOptions.parse({ tokenizer: out }));
      await again.fit(arrayDataset(texts), { restored: false, baseDir: undefined });
      for (const t of ['the good movie', 'unaffable Paris']) {
        expect(again.tokenizer.encode(t)).toEqual(fromBase.tokenizer.encode(t));
      }
    } finally {
      await fs.rm(base, { recursive: true, force: true });
    }
  });
});
