import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMerges } from './bpe.js';
import { ByteLevelBpeTokenizer } from './bpe-tokenizer.js';
import { BYTE_ENCODER } from './byte-level.js';
import { SentencePieceTokenizer } from './sentencepiece-tokenizer.js';
import { loadTokenizer, saveTokenizer, tokenizerFromState, tokenizerState } from './tokenizer-files.js';
import { Vocab } from './vocab.js';
import { WordPieceTokenizer } from './wordpiece-tokenizer.js';

const BERT_VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'hello', 'Hello', 'world', '##s', 'é'];
const TEXTS = ['Hello worlds', 'hello é world', 'HELLO [MASK]'];

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-tok-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('loadTokenizer / saveTokenizer', () => {
  it('reads a BERT vocab.txt with tokenizer_config.json (cased) and writes it back', async () => {
    const dir = path.join(tmp, 'bert-cased');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'vocab.txt'), `${BERT_VOCAB.join('\n')}\n`);
    await fs.writeFile(
      path.join(dir, 'tokenizer_config.json'),
      JSON.stringify({ do_lower_case: false, model_max_length: 512 }),
    );
    const tok = await loadTokenizer(dir);
    expect(tok).toBeInstanceOf(WordPieceTokenizer);
    expect(tok.encode('Hello hello é').tokens).toEqual(['[CLS]', 'Hello', 'hello', 'é', '[SEP]']);
    expect(tok.modelMaxLength).toBe(512);

    const out = path.join(tmp, 'bert-saved');
    await saveTokenizer(out, tok);
    expect((await fs.readdir(out)).sort()).toEqual([
      'special_tokens_map.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'vocab.txt',
    ]);
    expect(await fs.readFile(path.join(out, 'vocab.txt'), 'utf8')).toBe(`${BERT_VOCAB.join('\n')}\n`);
    const again = await loadTokenizer(out);
    for (const t of TEXTS) expect(again.encode(t)).toEqual(tok.encode(t));
    // Without tokenizer.json the slow files alone give the same tokenizer.
    await fs.rm(path.join(out, 'tokenizer.json'));
    const slow = await loadTokenizer(out);
    for (const t of TEXTS) expect(slow.encode(t)).toEqual(tok.encode(t));
  });

  it('reads GPT-2 vocab.json + merges.txt', async () => {
    const dir = path.join(tmp, 'gpt2');
    await fs.mkdir(dir);
    const tokens = [...BYTE_ENCODER, 'Ġw', '<|endoftext|>'];
    await fs.writeFile(path.join(dir, 'vocab.json'), JSON.stringify(Vocab.fromLines(tokens).toObject()));
    await fs.writeFile(path.join(dir, 'merges.txt'), formatMerges([['Ġ', 'w']]));
    const tok = await loadTokenizer(dir);
    expect(tok).toBeInstanceOf(ByteLevelBpeTokenizer);
    expect(tok.encode('a w').ids).toEqual([97, 256]);
    expect(tok.specialId('eos')).toBe(257);
    const out = path.join(tmp, 'gpt2-saved');
    await saveTokenizer(out, tok);
    const again = await loadTokenizer(out);
    expect(again.encode('a w<|endoftext|>').ids).toEqual([97, 256, 257]);
  });

  it('round-trips through the JSON state kept in preprocessor.json', () => {
    const tok = new WordPieceTokenizer(Vocab.fromLines(BERT_VOCAB), { modelMaxLength: 8 });
    const state = JSON.parse(JSON.stringify(tokenizerState(tok)));
    const back = tokenizerFromState(state);
    for (const t of TEXTS) expect(back.encode(t)).toEqual(tok.encode(t));
    expect(back.modelMaxLength).toBe(8);
  });

  it('names the expected files when a directory has no tokenizer', async () => {
    await expect(loadTokenizer(tmp)).rejects.toThrow(
      /tokenizer.json, vocab.txt, or vocab.json \+ merges.txt/,
    );
  });

  it('saves a SentencePiece tokenizer.json directory and loads it back (also from preprocessor state)', async () => {
    const fixture = JSON.parse(
      await fs.readFile(new URL('../../test-data/sentencepiece/sentencepiece.json', import.meta.url), 'utf8'),
    ) as { unigram: { tokenizer: Record<string, unknown> } };
    const dir = path.join(tmp, 't5-like');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'tokenizer.json'), JSON.stringify(fixture.unigram.tokenizer));
    await fs.writeFile(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ model_max_length: 64 }));
    const tok = await loadTokenizer(dir);
    expect(tok).toBeInstanceOf(SentencePieceTokenizer);
    const out = path.join(tmp, 't5-saved');
    await saveTokenizer(out, tok);
    const again = await loadTokenizer(out);
    const text = 'Café naïve, 日本 </s> Hello';
    expect(again.encode(text)).toEqual(tok.encode(text));
    expect(again.modelMaxLength).toBe(64);
    expect(tokenizerFromState(JSON.parse(JSON.stringify(tokenizerState(tok)))).encode(text)).toEqual(
      tok.encode(text),
    );
  });

  it('refuses raw SentencePiece files it cannot read, naming the file and what is missing', async () => {
    const dir = path.join(tmp, 'marian');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'source.spm'), Buffer.from([0x0a, 0x00]));
    await expect(loadTokenizer(dir)).rejects.toThrow(
      /source\.spm: a Marian SentencePiece model needs vocab\.json/,
    );
    // With vocab.json, a file that is not a model protobuf is refused by name.
    await fs.writeFile(path.join(dir, 'vocab.json'), JSON.stringify({ '</s>': 0, '<unk>': 1, '<pad>': 2 }));
    await expect(loadTokenizer(dir)).rejects.toThrow(/source\.spm/);
    const t5 = path.join(tmp, 't5-spm');
    await fs.mkdir(t5);
    await fs.writeFile(path.join(t5, 'spiece.model'), Buffer.from([0x0a, 0x00]));
    await expect(loadTokenizer(t5)).rejects.toThrow(
      /spiece\.model: raw SentencePiece models are read only for Marian .*write tokenizer\.json instead/,
    );
  });
});
