import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { formatMerges, type Merge, parseMerges } from './bpe.js';
import { ByteLevelBpeTokenizer } from './bpe-tokenizer.js';
import { BYTE_ENCODER, bytesToUnicode, splitGpt2 } from './byte-level.js';
import { tokenizerFromJson, tokenizerToJson } from './tokenizer-json.js';
import { Vocab } from './vocab.js';

// Byte-level vocab: id b is byte b's character (id 32 is 'Ġ', the space), then merged tokens.
const MERGES: Merge[] = [
  ['Ġ', 'w'], // 256 Ġw
  ['o', 'r'], // 257 or
  ['Ġw', 'or'], // 258 Ġwor
  ['l', 'd'], // 259 ld
  ['Ġwor', 'ld'], // 260 Ġworld
  ['H', 'e'], // 261 He
  ['l', 'l'], // 262 ll
  ['He', 'll'], // 263 Hell
  ['Hell', 'o'], // 264 Hello
  ["'", 's'], // 265 's
];
const TOKENS = [...BYTE_ENCODER, ...MERGES.map(([a, b]) => a + b), '<|endoftext|>']; // EOT = 266
const merges = parseMerges(formatMerges(MERGES));
const tok = new ByteLevelBpeTokenizer(Vocab.fromLines(TOKENS), merges);

const CASES: [string, number[]][] = [
  ['Hello world', [264, 260]],
  ["Hello's world", [264, 265, 260]], // contraction split off by the GPT-2 pattern
  ['👍', [0xf0, 0x9f, 0x91, 0x8d]], // 4 UTF-8 bytes, no merges
  ['a  b', [97, 32, 32, 98]], // 'a', ' ', ' b': a space run keeps its last space for the next word
  ['Hello world  ', [264, 260, 32, 32]], // trailing whitespace
  ['héllo', [104, 0xc3, 0xa9, 262, 111]], // é is two bytes; 'l l' merges, 'He' cannot form
  ['<|endoftext|>Hello', [266, 264]], // the special token in raw text
  ['world\n', [119, 257, 259, 10]], // 'world' at start has no Ġ; merges 'o r', 'l d'
];

describe('ByteLevelBpeTokenizer', () => {
  it('maps bytes to printable characters as GPT-2 does', () => {
    expect(BYTE_ENCODER[32]).toBe('Ġ');
    expect(BYTE_ENCODER[10]).toBe('Ċ');
    expect(BYTE_ENCODER[65]).toBe('A');
    expect(new Set(BYTE_ENCODER).size).toBe(256);
    expect(bytesToUnicode(' é')).toBe('ĠÃ©');
    expect(splitGpt2("I'll pay $100 now!!")).toEqual(['I', "'ll", ' pay', ' $', '100', ' now', '!!']);
  });

  it.each(CASES)('tokenises %j by merge rank', (text, ids) => {
    expect(tok.encode(text).ids).toEqual(ids);
  });

  it('agrees with @huggingface/tokenizers on every case', () => {
    const hf = new HfTokenizer(tokenizerToJson(tok), {});
    for (const [text] of CASES) expect(tok.encode(text).ids, text).toEqual(hf.encode(text).ids);
  });

  it('round-trips any text through decode', () => {
    for (const text of ['héllo 👍 wörld\n\ttabs', "Hello's  world  ", '日本語 ❤️ x']) {
      expect(tok.decode(tok.encode(text).ids)).toBe(text);
    }
    expect(tok.decode([266, 264], { skipSpecialTokens: true })).toBe('Hello');
  });

  it('spells later pre-split words with a leading space', () => {
    const e = tok.encode(['Hello', 'world']);
    expect(e.ids).toEqual([264, 260]);
    expect(e.wordIds).toEqual([0, 1]);
  });

  it('pads with the end-of-text token (GPT-2 has no pad token) and truncates', () => {
    const b = tok.encodeBatch(['Hello world', 'Hello'], { padding: true });
    expect([...b.inputIds]).toEqual([264, 260, 264, 266]);
    expect([...b.attentionMask]).toEqual([1, 1, 1, 0]);
    expect(tok.encode('Hello world Hello', { maxLength: 2 }).ids).toEqual([264, 260]);
    const left = new ByteLevelBpeTokenizer(Vocab.fromLines(TOKENS), merges, { paddingSide: 'left' });
    expect([...left.encodeBatch(['Hello world', 'Hello']).inputIds]).toEqual([264, 260, 266, 264]);
  });

  it('wraps with bos/eos when asked', () => {
    const wrapped = new ByteLevelBpeTokenizer(Vocab.fromLines(TOKENS), merges, { addBosEos: true });
    const e = wrapped.encode('Hello');
    expect(e.ids).toEqual([266, 264, 266]);
    expect(e.specialTokensMask).toEqual([1, 0, 1]);
  });

  it('rejects a malformed merges line naming it', () => {
    expect(() => parseMerges('#version: 0.2\na b\nabc\n')).toThrow(/merges.txt:3/);
  });
});

describe('byte-level BPE with a BART/RoBERTa tokenizer.json', () => {
  // BART's layout: <s>=0 <pad>=1 </s>=2 <unk>=3, then the byte alphabet and merges, <mask> last.
  const specials = ['<s>', '<pad>', '</s>', '<unk>'];
  const vocab = Object.fromEntries([...specials, ...TOKENS.slice(0, -1), '<mask>'].map((t, i) => [t, i]));
  const added = [...specials, '<mask>'].map((content) => ({
    id: vocab[content],
    content,
    single_word: false,
    lstrip: content === '<mask>',
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const byteLevel = { add_prefix_space: false, trim_offsets: true, use_regex: true };
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', ...byteLevel },
    post_processor: { type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 0], ...byteLevel },
    decoder: { type: 'ByteLevel', ...byteLevel },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges: MERGES.map(([a, b]) => `${a} ${b}`),
    },
  };
  const bart = tokenizerFromJson(json);
  const hf = new HfTokenizer(json, {});

  it('reads BART specials and wraps <s> A </s>, pairs <s> A </s></s> B </s>, as the oracle does', () => {
    expect(bart.special).toMatchObject({
      bos: '<s>',
      eos: '</s>',
      pad: '<pad>',
      unk: '<unk>',
      mask: '<mask>',
    });
    expect(bart.padId).toBe(1);
    for (const [text] of CASES.filter(([t]) => !t.includes('<|endoftext|>'))) {
      expect(bart.encode(text).ids, text).toEqual(hf.encode(text).ids);
    }
    const pair = bart.encode('Hello world', { pair: "Hello's" });
    expect(pair.ids).toEqual(hf.encode('Hello world', { text_pair: "Hello's" }).ids);
    expect(pair.tokens.filter((t) => t === '</s>')).toHaveLength(3);
    expect(bart.numSpecialTokens(true)).toBe(4);
    expect(bart.decode(bart.encode('Hello world').ids, { skipSpecialTokens: true })).toBe('Hello world');
  });

  it('saves the template back as a TemplateProcessing post-processor the oracle reads the same', () => {
    const saved = tokenizerToJson(bart);
    const again = new HfTokenizer(saved, {});
    expect(again.encode('Hello world', { text_pair: 'world' }).ids).toEqual(
      hf.encode('Hello world', { text_pair: 'world' }).ids,
    );
    expect(tokenizerFromJson(saved).encode('Hello', { pair: 'world' }).ids).toEqual(
      bart.encode('Hello', { pair: 'world' }).ids,
    );
  });
});
