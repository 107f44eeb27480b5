import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { UserError, writeFileAtomic, writeJsonAtomic } from '@peftkit/core';
import { formatMerges, parseMerges } from './bpe.js';
import { ByteLevelBpeTokenizer } from './bpe-tokenizer.js';
import { isRecord, type JsonRecord, numberMap } from './json-fields.js';
import { marianTokenizerJson } from './marian-spm.js';
import { readSentencePieceModel } from './sentencepiece-model.js';
import { SentencePieceTokenizer } from './sentencepiece-tokenizer.js';
import type { TextTokenizer } from './tokenizer.js';
import { readTokenizerConfig, specialTokensMap, type TokenizerConfigFields } from './tokenizer-config.js';
import { tokenizerFromJson, tokenizerToJson } from './tokenizer-json.js';
import { Vocab } from './vocab.js';
import { WordPieceTokenizer } from './wordpiece-tokenizer.js';

/** File names of a Hugging Face tokenizer directory. */
export const TOKENIZER_FILES = {
  json: 'tokenizer.json',
  config: 'tokenizer_config.json',
  specialTokens: 'special_tokens_map.json',
  vocabTxt: 'vocab.txt',
  vocabJson: 'vocab.json',
  merges: 'merges.txt',
} as const;

/** Marian's SentencePiece models (read with `vocab.json`, see `loadMarianTokenizer`). */
export const MARIAN_FILES = { source: 'source.spm', target: 'target.spm' } as const;

/** Raw SentencePiece model files of other families (T5, mBART); read only through `tokenizer.json`. */
const SENTENCEPIECE_MODEL_FILES = ['spiece.model', 'sentencepiece.bpe.model'];

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function readJson(file: string): Promise<JsonRecord | undefined> {
  const text = await readText(file);
  if (text === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: invalid JSON: ${(err as Error).message}`);
  }
  if (!isRecord(v)) throw new Error(`${file}: expected a JSON object`);
  return v;
}

async function isFile(file: string): Promise<boolean> {
  return fs.stat(file).then(
    (st) => st.isFile(),
    () => false,
  );
}

/**
 * True when `dir` holds a tokenizer `loadTokenizer` can read: `tokenizer.json`, `vocab.txt`, or
 * `vocab.json` + `merges.txt` (a checkpoint directory downloaded from the Hugging Face hub).
 */
export async function hasTokenizerFiles(dir: string): Promise<boolean> {
  const f = (name: string) => isFile(path.join(dir, name));
  return (
    (await f(TOKENIZER_FILES.json)) ||
    (await f(TOKENIZER_FILES.vocabTxt)) ||
    ((await f(TOKENIZER_FILES.vocabJson)) &&
      ((await f(TOKENIZER_FILES.merges)) || (await f(MARIAN_FILES.source))))
  );
}

/**
 * Reads a Hugging Face tokenizer directory (offline): `tokenizer.json` when present, else
 * `vocab.txt` (BERT WordPiece), else `vocab.json` + `merges.txt` (GPT-2 byte-level BPE), else
 * `vocab.json` + `source.spm` (MarianMT, see `loadMarianTokenizer`).
 * `tokenizer_config.json` and `special_tokens_map.json` supply casing, special tokens and the
 * length limit.
 *
 * @example const tok = await loadTokenizer('models/bert-base-uncased');
 */
export async function loadTokenizer(dir: string): Promise<TextTokenizer> {
  const configJson = {
    ...(await readJson(path.join(dir, TOKENIZER_FILES.config))),
    ...(await readJson(path.join(dir, TOKENIZER_FILES.specialTokens))),
  };
  const config = readTokenizerConfig(configJson, path.join(dir, TOKENIZER_FILES.config));
  const json = await readJson(path.join(dir, TOKENIZER_FILES.json));
  if (json) return tokenizerFromJson(json, config, path.join(dir, TOKENIZER_FILES.json));

  const vocabTxtPath = path.join(dir, TOKENIZER_FILES.vocabTxt);
  const vocabTxt = await readText(vocabTxtPath);
  if (vocabTxt !== undefined) return wordPieceFromFiles(Vocab.parseVocabTxt(vocabTxt, vocabTxtPath), config);

  const vocabJsonPath = path.join(dir, TOKENIZER_FILES.vocabJson);
  const vocabJson = await readJson(vocabJsonPath);
  const mergesPath = path.join(dir, TOKENIZER_FILES.merges);
  const merges = await readText(mergesPath);
  if (vocabJson && merges !== undefined) {
    const vocab = Vocab.fromObject(numberMap({ vocab: vocabJson }, 'vocab', vocabJsonPath), vocabJsonPath);
    return new ByteLevelBpeTokenizer(vocab, parseMerges(merges, mergesPath), {
      ...(Object.keys(config.special).length ? { special: config.special } : {}),
      addPrefixSpace: config.addPrefixSpace ?? false,
      ...lengthAndSide(config),
    });
  }
  if (await isFile(path.join(dir, MARIAN_FILES.source))) {
    if (!vocabJson) {
      throw new UserError(
        `${path.join(dir, MARIAN_FILES.source)}: a Marian SentencePiece model needs ${TOKENIZER_FILES.vocabJson} next to it (the ids)`,
      );
    }
    return marianFromFiles(dir, vocabJson, vocabJsonPath, 'source', config);
  }
  for (const spm of SENTENCEPIECE_MODEL_FILES) {
    if (await isFile(path.join(dir, spm))) {
      throw new UserError(
        `${path.join(dir, spm)}: raw SentencePiece models are read only for Marian (source.spm + vocab.json); write tokenizer.json instead (Python: AutoTokenizer.from_pretrained(dir).save_pretrained(dir))`,
      );
    }
  }
  throw new Error(
    `${dir}: no tokenizer found: expected ${TOKENIZER_FILES.json}, ${TOKENIZER_FILES.vocabTxt}, or ${TOKENIZER_FILES.vocabJson} + ${TOKENIZER_FILES.merges}`,
  );
}

/**
 * A MarianMT tokenizer directory without `tokenizer.json` (`source.spm`, `target.spm`,
 * `vocab.json`, `tokenizer_config.json`), as transformers' slow `MarianTokenizer` reads it:
 * `side` `'source'` tokenises inputs with `source.spm`, `'target'` labels with `target.spm`;
 * both give `vocab.json` ids and append `</s>`. Built as the `tokenizer.json` of
 * `marianTokenizerJson`, so it runs (and saves) as any SentencePiece unigram tokenizer.
 * `loadTokenizer(dir)` returns the source side.
 *
 * @example const labels = await loadMarianTokenizer('models/opus-mt-en-de', 'target');
 */
export async function loadMarianTokenizer(
  dir: string,
  side: 'source' | 'target' = 'source',
): Promise<SentencePieceTokenizer> {
  const configJson = {
    ...(await readJson(path.join(dir, TOKENIZER_FILES.config))),
    ...(await readJson(path.join(dir, TOKENIZER_FILES.specialTokens))),
  };
  const config = readTokenizerConfig(configJson, path.join(dir, TOKENIZER_FILES.config));
  const vocabJsonPath = path.join(dir, TOKENIZER_FILES.vocabJson);
  const vocabJson = await readJson(vocabJsonPath);
  if (!vocabJson) throw new UserError(`${vocabJsonPath}: missing (a Marian tokenizer needs vocab.json)`);
  return marianFromFiles(dir, vocabJson, vocabJsonPath, side, config);
}

/** Largest SentencePiece model read (real Marian models are ~0.8 MB). */
const MAX_SPM_BYTES = 64 * 1024 * 1024;

async function marianFromFiles(
  dir: string,
  vocabJson: JsonRecord,
  vocabJsonPath: string,
  side: 'source' | 'target',
  config: TokenizerConfigFields,
): Promise<SentencePieceTokenizer> {
  const spmPath = path.join(dir, MARIAN_FILES[side]);
  const size = await fs.stat(spmPath).then(
    (st) => st.size,
    () => undefined,
  );
  if (size === undefined) throw new UserError(`${spmPath}: missing (Marian's ${side} SentencePiece model)`);
  if (size > MAX_SPM_BYTES)
    throw new UserError(`${spmPath}: ${size} bytes, more than a SentencePiece model (${MAX_SPM_BYTES})`);
  const model = readSentencePieceModel(await fs.readFile(spmPath), spmPath);
  const vocab = numberMap({ vocab: vocabJson }, 'vocab', vocabJsonPath);
  const specials = {
    eos: config.special.eos ?? '</s>',
    unk: config.special.unk ?? '<unk>',
    pad: config.special.pad ?? '<pad>',
  };
  const json = marianTokenizerJson(model, vocab, specials, `${spmPath} + ${vocabJsonPath}`);
  return tokenizerFromJson(json, config, spmPath) as SentencePieceTokenizer;
}

function lengthAndSide(config: TokenizerConfigFields) {
  return {
    ...(config.modelMaxLength !== undefined ? { modelMaxLength: config.modelMaxLength } : {}),
    ...(config.paddingSide !== undefined ? { paddingSide: config.paddingSide } : {}),
  };
}

function wordPieceFromFiles(vocab: Vocab, config: TokenizerConfigFields): WordPieceTokenizer {
  return new WordPieceTokenizer(vocab, {
    ...(Object.keys(config.special).length ? { special: config.special } : {}),
    normalizer: {
      ...(config.doLowerCase !== undefined ? { lowercase: config.doLowerCase } : {}),
      ...(config.stripAccents !== undefined ? { stripAccents: config.stripAccents } : {}),
      ...(config.tokenizeChineseChars !== undefined
        ? { handleChineseChars: config.tokenizeChineseChars }
        : {}),
    },
    ...lengthAndSide(config),
  });
}

/** `tokenizer_config.json` content for `tok`. */
export function tokenizerConfigJson(tok: TextTokenizer): Record<string, unknown> {
  const common = {
    ...specialTokensMap(tok.special),
    model_max_length: tok.modelMaxLength ?? 1e30,
    padding_side: tok.paddingSide,
    clean_up_tokenization_spaces: tok instanceof WordPieceTokenizer,
  };
  if (tok instanceof WordPieceTokenizer) {
    return {
      tokenizer_class: 'BertTokenizer',
      do_lower_case: tok.normalizer.lowercase,
      strip_accents: tok.normalizer.stripAccents,
      tokenize_chinese_chars: tok.normalizer.handleChineseChars,
      ...common,
    };
  }
  if (tok instanceof SentencePieceTokenizer) return { tokenizer_class: 'PreTrainedTokenizerFast', ...common };
  if (tok instanceof ByteLevelBpeTokenizer) {
    return { tokenizer_class: 'GPT2Tokenizer', add_prefix_space: tok.addPrefixSpace, ...common };
  }
  throw new Error(`tokenizerConfigJson: unsupported tokenizer kind '${tok.kind}'`);
}

/**
 * Writes `tok` as a Hugging Face tokenizer directory: `tokenizer.json`, `tokenizer_config.json`,
 * `special_tokens_map.json`, and the family's slow-tokenizer files (`vocab.txt`, or `vocab.json`
 * + `merges.txt`). Each file is written atomically; other files in `dir` are left alone.
 */
export async function saveTokenizer(dir: string, tok: TextTokenizer): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await writeJsonAtomic(path.join(dir, TOKENIZER_FILES.json), tokenizerToJson(tok));
  await writeJsonAtomic(path.join(dir, TOKENIZER_FILES.config), tokenizerConfigJson(tok));
  await writeJsonAtomic(path.join(dir, TOKENIZER_FILES.specialTokens), specialTokensMap(tok.special));
  if (tok instanceof WordPieceTokenizer) {
    await writeFileAtomic(path.join(dir, TOKENIZER_FILES.vocabTxt), tok.vocab.toVocabTxt());
  } else if (tok instanceof ByteLevelBpeTokenizer) {
    await writeJsonAtomic(path.join(dir, TOKENIZER_FILES.vocabJson), tok.vocab.toObject());
    await writeFileAtomic(path.join(dir, TOKENIZER_FILES.merges), formatMerges(tok.model.merges));
  }
}

/** True when `dir` is a Marian tokenizer directory read from its `.spm` files (no `tokenizer.json`). */
async function isMarianDir(dir: string): Promise<boolean> {
  const has = (name: string) => isFile(path.join(dir, name));
  return (
    !(await has(TOKENIZER_FILES.json)) &&
    (await has(MARIAN_FILES.source)) &&
    (await has(MARIAN_FILES.target)) &&
    (await has(TOKENIZER_FILES.vocabJson))
  );
}

/** The `target.spm` side of a Marian tokenizer directory (labels), or undefined for other directories. */
export async function marianTargetTokenizer(dir: string): Promise<TextTokenizer | undefined> {
  return (await isMarianDir(dir)) ? loadMarianTokenizer(dir, 'target') : undefined;
}

/**
 * Copies a Marian tokenizer's own files (`source.spm`, `target.spm`, `vocab.json`,
 * `tokenizer_config.json`) from `from` to `to` when `from` is one (no `tokenizer.json`, both
 * `.spm` files): what `MarianTokenizer` reads, next to the `tokenizer.json` peftkit writes.
 * Returns whether it copied.
 */
export async function copyMarianFiles(from: string, to: string): Promise<boolean> {
  const has = (name: string) => isFile(path.join(from, name));
  if (!(await isMarianDir(from))) return false;
  for (const name of [
    MARIAN_FILES.source,
    MARIAN_FILES.target,
    TOKENIZER_FILES.vocabJson,
    TOKENIZER_FILES.config,
  ]) {
    if (!(await has(name))) continue;
    const bytes = await fs.readFile(path.join(from, name));
    await writeFileAtomic(path.join(to, name), () => bytes);
  }
  return true;
}

/** A tokenizer as one JSON value (`tokenizer.json` + `tokenizer_config.json`), for preprocessor state. */
export interface TokenizerState {
  readonly tokenizer: JsonRecord;
  readonly config: JsonRecord;
}

export function tokenizerState(tok: TextTokenizer): TokenizerState {
  return { tokenizer: tokenizerToJson(tok), config: tokenizerConfigJson(tok) };
}

export function tokenizerFromState(state: unknown, where = 'tokenizer state'): TextTokenizer {
  if (!isRecord(state) || !isRecord(state['tokenizer']) || !isRecord(state['config'])) {
    throw new Error(`${where}: expected { tokenizer, config } objects`);
  }
  return tokenizerFromJson(state['tokenizer'], readTokenizerConfig(state['config'], where), where);
}
