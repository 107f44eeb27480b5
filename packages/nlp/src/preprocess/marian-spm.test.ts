import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSentencePieceModel } from './sentencepiece-model.js';
import type { TextTokenizer } from './tokenizer.js';
import {
  loadMarianTokenizer,
  loadTokenizer,
  saveTokenizer,
  tokenizerFromState,
  tokenizerState,
} from './tokenizer-files.js';
import { tokenizerToJson } from './tokenizer-json.js';

/** Written by test-data/marian-spm/make_fixture.py with SentencePiece 0.1.97 (MarianTokenizer's rules). */
const DIR = path.resolve(import.meta.dirname, '../../test-data/marian-spm');

interface Case {
  text: string;
  pieces: string[];
  ids: number[];
  decoded?: string;
}
interface Expected {
  models: Record<'source' | 'target', [string, number, number, number][]>;
  cases: Case[];
  targets: Case[];
}

let expected: Expected;
let source: TextTokenizer;
let tmp: string;

beforeAll(async () => {
  expected = JSON.parse(await fs.readFile(path.join(DIR, 'expected.json'), 'utf8')) as Expected;
  source = await loadTokenizer(DIR);
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-marian-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('Marian raw SentencePiece (source.spm / target.spm + vocab.json)', () => {
  it('reads every piece, score and type of both models from the protobuf', async () => {
    for (const side of ['source', 'target'] as const) {
      const file = path.join(DIR, `${side}.spm`);
      const model = readSentencePieceModel(await fs.readFile(file), file);
      expect(model.modelType).toBe('unigram');
      expect(model.normalizer.name).toBe('nmt_nfkc');
      expect(model.normalizer.addDummyPrefix).toBe(true);
      expect(
        model.pieces.map((p) => [
          p.piece,
          p.score,
          Number(p.type === 'control'),
          Number(p.type === 'unknown'),
        ]),
      ).toEqual(expected.models[side]);
    }
    await expect(async () =>
      readSentencePieceModel(Buffer.from('{"not": "a model"}'), 'x.spm'),
    ).rejects.toThrow(/x\.spm: /);
  });

  it('encodes source text as MarianTokenizer does (pieces -> vocab.json ids, </s> appended)', () => {
    expect(expected.cases.length).toBeGreaterThan(8);
    for (const c of expected.cases) {
      const e = source.encode(c.text);
      expect(e.ids, c.text).toEqual(c.ids);
    }
    // Pieces the source model lacks (emoji, CJK) are <unk>; special tokens in text stay whole.
    expect(source.encode('emoji 🙂').tokens).toContain('<unk>');
    expect(source.encode('</s> inside').tokens[0]).toBe('</s>');
  });

  it('encodes labels with target.spm into the same vocabulary and decodes them back', async () => {
    const target = await loadMarianTokenizer(DIR, 'target');
    for (const c of expected.targets) {
      const ids = target.encode(c.text).ids;
      expect(ids, c.text).toEqual(c.ids);
      expect(target.decode(ids, { skipSpecialTokens: true })).toBe(c.decoded);
    }
    // The two sides segment differently: 'Hallo' is one target piece pair, not the source's.
    expect(target.encode('Hallo').ids).not.toEqual(source.encode('Hallo').ids);
  });

  it('builds a tokenizer.json that @huggingface/tokenizers reads to the same ids; save and state round-trip', async () => {
    const hf = new HfTokenizer(tokenizerToJson(source), {});
    for (const c of expected.cases) expect(hf.encode(c.text).ids, c.text).toEqual(c.ids);
    await saveTokenizer(tmp, source);
    const back = await loadTokenizer(tmp);
    const restored = tokenizerFromState(JSON.parse(JSON.stringify(tokenizerState(source))));
    for (const c of expected.cases) {
      expect(back.encode(c.text).ids).toEqual(c.ids);
      expect(restored.encode(c.text).ids).toEqual(c.ids);
    }
    expect(back.special).toMatchObject({ eos: '</s>', unk: '<unk>', pad: '<pad>' });
  });

  it('refuses a directory without the side asked for, naming the file', async () => {
    const dir = path.join(tmp, 'no-target');
    await fs.mkdir(dir);
    for (const f of ['source.spm', 'vocab.json']) await fs.copyFile(path.join(DIR, f), path.join(dir, f));
    await expect(loadMarianTokenizer(dir, 'target')).rejects.toThrow(/target\.spm: missing/);
  });
});
