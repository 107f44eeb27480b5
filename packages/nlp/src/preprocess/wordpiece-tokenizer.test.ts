import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { tokenizerToJson } from './tokenizer-json.js';
import { Vocab } from './vocab.js';
import { WordPieceTokenizer } from './wordpiece-tokenizer.js';

// A tiny uncased BERT vocabulary; ids are line numbers, as in vocab.txt (five per row).
// biome-ignore format: one row per five ids
const VOCAB = [
  '[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', // 0-4
  'the', 'cafe', '##s', 'un', '##aff', // 5-9
  '##able', ',', '.', '!', "'", // 10-14
  't', 'don', 'hello', 'world', '中', // 15-19
  '国', '##x', 'x', 'resume', '$', // 20-24
  '5', '-', '?', // 25-27
];

const vocabTxt = `${VOCAB.join('\n')}\n`;
const tok = new WordPieceTokenizer(Vocab.parseVocabTxt(vocabTxt));

/** Tricky inputs with ids derived by hand from BERT-uncased's rules (no special tokens). */
const CASES: [string, number[]][] = [
  ['Hello, World!', [17, 11, 18, 13]], // lower-casing, punctuation split
  ['Cafés RÉSUMÉ', [6, 7, 23]], // accents stripped after lower-casing; ## continuation
  ["Don't", [16, 14, 15]], // apostrophe is punctuation
  ['unaffable xyz', [8, 9, 10, 1]], // greedy longest match; 'xyz' has no '##y' -> whole word [UNK]
  ['中国x', [19, 20, 22]], // CJK ideographs become words of their own
  ['  the\t\nthe\u0000 ', [5, 5]], // whitespace cleanup, NUL dropped
  ['the\u200bthe', [1]], // zero-width space is a format char: removed, 'thethe' is unknown
  ['$5-the?', [24, 25, 26, 5, 27]], // ASCII symbols split like punctuation
  ['xxxx', [22, 21, 21, 21]],
  [`${'x'.repeat(101)} the`, [1, 5]], // longer than max_input_chars_per_word (100)
  ['Hello [MASK].', [17, 4, 12]], // special tokens in raw text are kept, not lower-cased
  ['🙂 the', [1, 5]], // emoji: not in vocab
];

describe('WordPieceTokenizer', () => {
  it.each(CASES)('tokenises %j like BERT-uncased', (text, ids) => {
    expect(tok.encodeIds(text)).toEqual(ids);
    expect(tok.encode(text).ids).toEqual([2, ...ids, 3]);
  });

  it('agrees with @huggingface/tokenizers on every case (same vocab as tokenizer.json)', () => {
    const hf = new HfTokenizer(tokenizerToJson(tok), {});
    for (const [text] of CASES) {
      expect(tok.encode(text).ids, text).toEqual(hf.encode(text).ids);
    }
    const pair = tok.encode('hello', { pair: 'the world' });
    const hfPair = hf.encode('hello', { text_pair: 'the world', return_token_type_ids: true });
    expect(pair.ids).toEqual(hfPair.ids);
    expect(pair.typeIds).toEqual(hfPair.token_type_ids);
  });

  it('encodes pairs with token type ids, special mask and word ids', () => {
    const e = tok.encode('Hello world', { pair: 'the' });
    expect(e.ids).toEqual([2, 17, 18, 3, 5, 3]);
    expect(e.typeIds).toEqual([0, 0, 0, 0, 1, 1]);
    expect(e.specialTokensMask).toEqual([1, 0, 0, 1, 0, 1]);
    expect(e.wordIds).toEqual([null, 0, 1, null, 0, null]);
    expect(e.sequenceIds).toEqual([null, 0, 0, null, 1, null]);
  });

  it('gives every piece of a pre-split word the same word id', () => {
    const e = tok.encode(['unaffable', 'Cafés', 'world']);
    expect(e.tokens).toEqual(['[CLS]', 'un', '##aff', '##able', 'cafe', '##s', 'world', '[SEP]']);
    expect(e.wordIds).toEqual([null, 0, 0, 0, 1, 1, 2, null]);
  });

  it('truncates to maxLength counting special tokens (longest_first for pairs)', () => {
    expect(tok.encode('the the the the the the', { maxLength: 5 }).ids).toEqual([2, 5, 5, 5, 3]);
    const p = tok.encode('the the the the', { pair: 'world world', maxLength: 7 });
    expect(p.ids).toEqual([2, 5, 5, 3, 18, 18, 3]);
    const q = tok.encode('the the the the', { pair: 'world world', maxLength: 7, truncation: 'only_first' });
    expect(q.ids).toEqual([2, 5, 5, 3, 18, 18, 3]);
    expect(() => tok.encode('the', { pair: 'world world', maxLength: 4, truncation: 'only_first' })).toThrow(
      /only_first/,
    );
  });

  it('pads a batch to the longest item or to maxLength', () => {
    const b = tok.encodeBatch(['hello', 'the the the'], { padding: true });
    expect([b.batchSize, b.seqLength]).toEqual([2, 5]);
    expect([...b.inputIds]).toEqual([2, 17, 3, 0, 0, 2, 5, 5, 5, 3]);
    expect([...b.attentionMask]).toEqual([1, 1, 1, 0, 0, 1, 1, 1, 1, 1]);
    const m = tok.encodeBatch(['hello', { text: 'the', pair: 'world' }], {
      padding: 'max_length',
      maxLength: 8,
    });
    expect(m.seqLength).toBe(8);
    expect([...m.tokenTypeIds.slice(8)]).toEqual([0, 0, 0, 1, 1, 0, 0, 0]);
    const single = tok.encode('hello', { padding: 'max_length', maxLength: 4 });
    expect(single.ids).toEqual([2, 17, 3, 0]);
    expect(single.attentionMask).toEqual([1, 1, 1, 0]);
  });

  it('decodes, joining ## pieces and dropping special tokens on request', () => {
    const ids = tok.encode('unaffable cafés, the world!').ids;
    expect(tok.decode(ids, { skipSpecialTokens: true })).toBe('unaffable cafes, the world!');
    expect(tok.decode(ids)).toBe('[CLS] unaffable cafes, the world! [SEP]');
  });

  it('keeps case and accents when the normaliser says so (cased models)', () => {
    const cased = new WordPieceTokenizer(Vocab.fromLines([...VOCAB, 'Hello', 'é']), {
      normalizer: { lowercase: false },
    });
    expect(cased.encode('Hello hello').tokens).toEqual(['[CLS]', 'Hello', 'hello', '[SEP]']);
    expect(cased.encodeIds('é')).toEqual([VOCAB.length + 1]);
  });

  it('rejects a vocabulary without its special tokens', () => {
    expect(() => new WordPieceTokenizer(Vocab.fromLines(['a', 'b']))).toThrow(/not in the vocabulary/);
  });
});
