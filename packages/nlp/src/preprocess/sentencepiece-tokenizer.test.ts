import { readFileSync } from 'node:fs';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { SentencePieceTokenizer } from './sentencepiece-tokenizer.js';
import { pieceDecoderFromJson } from './sp-decoder.js';
import { nmtNfkc, normalizerFromJson } from './sp-normalizer.js';
import { tokenizerFromJson, tokenizerToJson } from './tokenizer-json.js';
import { Unigram } from './unigram.js';

interface Case {
  text: string;
  ids: number[];
  pieces: string[];
  decoded: string;
}
type Fixture = Record<'unigram' | 'bpe', { tokenizer: Record<string, unknown>; cases: Case[] }>;

// Two tiny SentencePiece models (unigram, BPE; both with byte fallback) trained by
// test-data/sentencepiece/make_fixture.py, with SentencePiece's own encodings of each text.
const FIXTURE = JSON.parse(
  readFileSync(new URL('../../test-data/sentencepiece/sentencepiece.json', import.meta.url), 'utf8'),
) as Fixture;

/** Texts whose characters all exist in the model (tokenizers.js has no unigram byte fallback). */
const inVocab = (c: Case) => !c.pieces.some((p) => /^<0x/.test(p));

describe.each(['unigram', 'bpe'] as const)('SentencePiece %s from tokenizer.json', (kind) => {
  const { tokenizer: json, cases } = FIXTURE[kind];
  const tok = tokenizerFromJson(json);

  it('is a SentencePiece tokenizer with T5-style specials', () => {
    expect(tok).toBeInstanceOf(SentencePieceTokenizer);
    expect(tok.special).toMatchObject({ pad: '<pad>', eos: '</s>', unk: '<unk>' });
    expect(tok.padId).toBe(0);
  });

  it.each(cases)('encodes $text as SentencePiece does, then appends </s>', (c) => {
    const e = tok.encode(c.text);
    expect(e.tokens.slice(0, -1)).toEqual(c.pieces);
    expect(e.ids).toEqual([...c.ids, 1]);
    expect(e.specialTokensMask.at(-1)).toBe(1);
  });

  it.each(cases)('decodes $text back as SentencePiece does', (c) => {
    expect(tok.decode(tok.encode(c.text).ids, { skipSpecialTokens: true })).toBe(c.decoded);
  });

  it('agrees with @huggingface/tokenizers on ids, pairs and decoding', () => {
    const hf = new HfTokenizer(json, {});
    const texts = cases.filter((c) => kind === 'bpe' || inVocab(c)).map((c) => c.text);
    expect(texts.length).toBeGreaterThan(8);
    for (const text of texts) {
      expect(tok.encode(text).ids, text).toEqual(hf.encode(text).ids);
    }
    // A Metaspace-only decoder leaves byte pieces as '<0xE6>' in HF; peftkit (like SentencePiece)
    // turns them back into text, so decoding is compared on in-vocabulary texts.
    for (const text of cases.filter(inVocab).map((c) => c.text)) {
      const ids = tok.encode(text).ids;
      expect(tok.decode(ids, { skipSpecialTokens: true }), text).toBe(
        hf.decode(ids, { skip_special_tokens: true }),
      );
    }
    const pair = tok.encode('Hello world', { pair: 'über den Hund' });
    expect(pair.ids).toEqual(hf.encode('Hello world', { text_pair: 'über den Hund' }).ids);
    expect(pair.sequenceIds.filter((s) => s === null)).toHaveLength(2);
  });

  it('keeps special tokens in raw text and truncates before the </s>', () => {
    const e = tok.encode('Hello</s> world');
    expect(e.tokens.filter((t) => t === '</s>')).toHaveLength(2);
    const cut = tok.encode('The quick brown fox.', { maxLength: 4 });
    expect(cut.ids).toHaveLength(4);
    expect(cut.ids.at(-1)).toBe(1);
  });

  it('saves back to the tokenizer.json it was read from', () => {
    expect(tokenizerToJson(tok)).toBe(json);
  });
});

describe('Unigram', () => {
  const model = new Unigram(
    [
      ['<unk>', 0],
      ['▁ab', -1],
      ['▁a', -1.5],
      ['b', -1.5],
      ['▁', -2],
      ['a', -3],
      ['<0xC3>', 0],
      ['<0xA9>', 0],
    ],
    { unkId: 0 },
  );

  it('picks the segmentation with the best total score (Viterbi)', () => {
    // '▁ab' (-1) beats '▁a'+'b' (-3) and '▁'+'a'+'b' (-6.5).
    expect(model.tokenize('▁ab')).toEqual([1]);
    expect(model.tokenize('▁aab')).toEqual([2, 5, 3]);
  });

  it('fuses a run of unknown characters into one unk, or spells it in bytes with byte fallback', () => {
    expect(model.tokenize('▁xyz')).toEqual([4, 0]);
    const bytes = new Unigram(model.pieces, { unkId: 0, byteFallback: true });
    expect(bytes.tokenize('▁é')).toEqual([4, 6, 7]);
    // Bytes of 'ü' are not in the vocabulary: the whole run falls back to unk.
    expect(bytes.tokenize('▁ü')).toEqual([4, 0]);
  });

  it('refuses an unknown character without unk_id, naming it', () => {
    expect(() => new Unigram(model.pieces).tokenize('▁q')).toThrow(/'q' is not in the vocabulary/);
  });
});

describe('SentencePiece tokenizer.json variants', () => {
  const base = FIXTURE.unigram.tokenizer;

  it('reads the older T5 pre-tokenizer (WhitespaceSplit then Metaspace) and add_prefix_space', () => {
    const old = tokenizerFromJson({
      ...base,
      normalizer: { type: 'Precompiled', precompiled_charsmap: '' },
      pre_tokenizer: {
        type: 'Sequence',
        pretokenizers: [
          { type: 'WhitespaceSplit' },
          { type: 'Metaspace', replacement: '▁', add_prefix_space: true },
        ],
      },
    });
    const now = tokenizerFromJson(base);
    expect(old.encode('Hello   world').ids).toEqual(now.encode('Hello world').ids);
  });

  it('does not prepend ▁ with prepend_scheme never', () => {
    const never = tokenizerFromJson({
      ...base,
      pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'never', split: true },
    });
    expect(never.encode('Hello').tokens[0]).not.toMatch(/^▁/);
  });

  it('rejects unsupported parts naming them', () => {
    expect(() => tokenizerFromJson({ ...base, normalizer: { type: 'Nmt' } })).toThrow(/normalizer 'Nmt'/);
    expect(() => tokenizerFromJson({ ...base, pre_tokenizer: { type: 'Punctuation' } })).toThrow(
      /pre_tokenizer 'Punctuation'/,
    );
    expect(() =>
      tokenizerFromJson({ ...base, model: { type: 'Unigram', unk_id: 2, vocab: [['a', 'x']] } }),
    ).toThrow(/model.vocab\[0\]/);
  });
});

describe('SentencePiece normalisers and decoders', () => {
  it('applies nmt_nfkc: control characters dropped, whitespace-like characters to spaces, NFKC', () => {
    expect(nmtNfkc('a\u0007b\u00a0c\u3000d\tｅ\u2581①')).toBe('ab c d e 1');
    expect(nmtNfkc('～ｘ')).toBe('～x'); // U+FF5E stays, as in nmt_nfkc
  });

  it('chains tokenizer.json normalisers in order', () => {
    const n = normalizerFromJson(
      {
        type: 'Sequence',
        normalizers: [
          { type: 'Strip', strip_left: true, strip_right: true },
          { type: 'Lowercase' },
          { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
          { type: 'Prepend', prepend: '▁' },
        ],
      },
      'n',
    );
    expect(n('  Hello World ')).toBe('▁hello▁world');
    expect(n('')).toBe('');
    expect(normalizerFromJson({ type: 'StripAccents' }, 'n')('e\u0301a')).toBe('ea');
  });

  it('decodes Llama-style: Replace ▁, ByteFallback, Fuse, Strip one leading space', () => {
    const d = pieceDecoderFromJson(
      {
        type: 'Sequence',
        decoders: [
          { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
          { type: 'ByteFallback' },
          { type: 'Fuse' },
          { type: 'Strip', content: ' ', start: 1, stop: 0 },
        ],
      },
      undefined,
      'd',
    );
    expect(d(['▁Hello', '▁', '<0xE6>', '<0x97>', '<0xA5>', '▁x'])).toBe('Hello 日 x');
    // An invalid byte run becomes one U+FFFD per byte, as HF's ByteFallback decoder.
    expect(d(['▁a', '<0xE6>', '<0x97>'])).toBe('a\uFFFD\uFFFD');
  });
});
