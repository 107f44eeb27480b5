import type { Merge } from './bpe.js';
import { ByteLevelBpeTokenizer } from './bpe-tokenizer.js';
import type { PaddingSide } from './encoding.js';
import {
  isRecord,
  type JsonRecord,
  numberMap,
  optionalBoolean,
  optionalNumber,
  optionalString,
  recordAt,
} from './json-fields.js';
import { type MetaspaceOptions, metaspaceFromJson } from './metaspace.js';
import { postTemplateFromJson, postTemplateToJson } from './post-template.js';
import { type SentencePiecePreTokenizer, SentencePieceTokenizer } from './sentencepiece-tokenizer.js';
import { SentencePieceBpe } from './sp-bpe.js';
import { pieceDecoderFromJson } from './sp-decoder.js';
import { normalizerFromJson } from './sp-normalizer.js';
import type { SpecialTokens } from './special-tokens.js';
import type { TextTokenizer } from './tokenizer.js';
import type { TokenizerConfigFields } from './tokenizer-config.js';
import { Unigram, type UnigramPiece } from './unigram.js';
import { Vocab } from './vocab.js';
import { WordPieceTokenizer } from './wordpiece-tokenizer.js';

/** One entry of `tokenizer.json`'s `added_tokens`. */
interface AddedTokenEntry {
  id: number;
  content: string;
  special: boolean;
}

function addedTokens(json: JsonRecord, where: string): AddedTokenEntry[] {
  const raw = json['added_tokens'];
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new Error(`${where}: 'added_tokens' must be an array`);
  return raw.map((t: unknown, i) => {
    if (!isRecord(t) || typeof t['id'] !== 'number' || typeof t['content'] !== 'string') {
      throw new Error(`${where}: added_tokens[${i}] needs a numeric 'id' and a string 'content'`);
    }
    return { id: t['id'], content: t['content'], special: t['special'] === true };
  });
}

/** The model vocabulary with added tokens that lie beyond it appended at their ids. */
function withAddedTokens(vocab: Vocab, added: readonly AddedTokenEntry[], where: string): Vocab {
  let v = vocab;
  for (const t of [...added].sort((a, b) => a.id - b.id)) {
    const at = v.id(t.content);
    if (at === t.id) continue;
    if (at === undefined && t.id === v.size) v = v.extend([t.content]);
    else {
      throw new Error(
        `${where}: added token '${t.content}' has id ${t.id}, but the vocabulary ${at === undefined ? `has ${v.size} tokens` : `gives it id ${at}`}`,
      );
    }
  }
  return v;
}

/** Conventional special-token names of each family, used when no config names them. */
const SPECIAL_NAMES = {
  bert: [
    ['unk', '[UNK]'],
    ['pad', '[PAD]'],
    ['cls', '[CLS]'],
    ['sep', '[SEP]'],
    ['mask', '[MASK]'],
  ],
  gpt2: [
    ['unk', '<|endoftext|>'],
    ['bos', '<|endoftext|>'],
    ['eos', '<|endoftext|>'],
  ],
  // SentencePiece models (T5, Marian) and BART/RoBERTa.
  angle: [
    ['unk', '<unk>'],
    ['pad', '<pad>'],
    ['bos', '<s>'],
    ['eos', '</s>'],
    ['mask', '<mask>'],
  ],
} as const satisfies Record<string, readonly (readonly [string, string])[]>;

/** Special tokens from the config, else guessed from the added tokens' names. */
function specialsFrom(
  config: TokenizerConfigFields | undefined,
  added: readonly AddedTokenEntry[],
  family: keyof typeof SPECIAL_NAMES,
) {
  const given = config?.special ?? {};
  if (Object.keys(given).length > 0) return given;
  const names = new Set(added.map((t) => t.content));
  const guess: Record<string, string> = {};
  for (const [role, token] of SPECIAL_NAMES[family]) if (names.has(token)) guess[role] = token;
  return guess as SpecialTokens;
}

function parseMergeList(model: JsonRecord, where: string): Merge[] {
  const raw = model['merges'];
  if (!Array.isArray(raw)) throw new Error(`${where}: 'model.merges' must be an array`);
  return raw.map((m: unknown, i): Merge => {
    if (typeof m === 'string') {
      const parts = m.split(' ');
      if (parts.length === 2 && parts[0] && parts[1]) return [parts[0], parts[1]];
    } else if (Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string') {
      return [m[0], m[1]];
    }
    throw new Error(`${where}: model.merges[${i}] must be 'a b' or ['a', 'b']`);
  });
}

/**
 * Builds a tokenizer from a Hugging Face `tokenizer.json` (WordPiece with the BERT normaliser,
 * byte-level BPE (GPT-2, BART/RoBERTa), or a SentencePiece unigram / BPE model with Metaspace
 * (T5, Marian)), with `tokenizer_config.json` fields when available.
 */
export function tokenizerFromJson(
  json: JsonRecord,
  config?: TokenizerConfigFields,
  where = 'tokenizer.json',
): TextTokenizer {
  const model = recordAt(json, 'model', where);
  const type = optionalString(model, 'type', where);
  const added = addedTokens(json, where);
  const common = {
    ...(config?.modelMaxLength !== undefined ? { modelMaxLength: config.modelMaxLength } : {}),
    ...(config?.paddingSide !== undefined ? { paddingSide: config.paddingSide } : {}),
    addedTokens: added.map((t) => t.content),
  };
  if (type === 'WordPiece') {
    const unk = optionalString(model, 'unk_token', where) ?? '[UNK]';
    const vocab = withAddedTokens(
      Vocab.fromObject(numberMap(model, 'vocab', where), `${where} model.vocab`),
      added,
      where,
    );
    const norm = isRecord(json['normalizer']) ? json['normalizer'] : undefined;
    if (norm && norm['type'] !== 'BertNormalizer') {
      throw new Error(
        `${where}: normalizer '${String(norm['type'])}' is not supported (only BertNormalizer)`,
      );
    }
    const special = { unk, ...specialsFrom(config, added, 'bert') };
    const prefix = optionalString(model, 'continuing_subword_prefix', where);
    const maxChars = optionalNumber(model, 'max_input_chars_per_word', where);
    return new WordPieceTokenizer(vocab, {
      ...common,
      special,
      normalizer: {
        cleanText: norm ? optionalBoolean(norm, 'clean_text', where) : undefined,
        handleChineseChars: norm ? optionalBoolean(norm, 'handle_chinese_chars', where) : undefined,
        lowercase: norm ? optionalBoolean(norm, 'lowercase', where) : config?.doLowerCase,
        stripAccents: norm ? optionalBoolean(norm, 'strip_accents', where) : config?.stripAccents,
      },
      ...(prefix !== undefined ? { continuingSubwordPrefix: prefix } : {}),
      ...(maxChars !== undefined ? { maxInputCharsPerWord: maxChars } : {}),
    });
  }
  if (type === 'Unigram') return sentencePieceFromJson(json, model, added, common, config, where);
  if (type === 'BPE') {
    const pre = isRecord(json['pre_tokenizer']) ? json['pre_tokenizer'] : undefined;
    if (pre?.['type'] !== 'ByteLevel')
      return sentencePieceFromJson(json, model, added, common, config, where);
    const vocab = withAddedTokens(
      Vocab.fromObject(numberMap(model, 'vocab', where), `${where} model.vocab`),
      added,
      where,
    );
    const gpt2 = added.some((t) => t.content === '<|endoftext|>');
    const special = specialsFrom(config, added, gpt2 ? 'gpt2' : 'angle');
    const unk = optionalString(model, 'unk_token', where);
    const template = postTemplateFromJson(json['post_processor'], where);
    return new ByteLevelBpeTokenizer(vocab, parseMergeList(model, where), {
      ...common,
      special: unk !== undefined && special.unk === undefined ? { ...special, unk } : special,
      addPrefixSpace: optionalBoolean(pre, 'add_prefix_space', where) ?? config?.addPrefixSpace ?? false,
      ...(template ? { template } : {}),
    });
  }
  throw new Error(
    `${where}: tokenizer model type '${String(type)}' is not supported (WordPiece, BPE or Unigram)`,
  );
}

/** Unigram `model.vocab`: `[[piece, score], ...]` in id order. */
function unigramPieces(model: JsonRecord, where: string): UnigramPiece[] {
  const raw = model['vocab'];
  if (!Array.isArray(raw))
    throw new Error(`${where}: Unigram 'model.vocab' must be an array of [piece, score]`);
  return raw.map((e: unknown, i): UnigramPiece => {
    if (Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'number') return [e[0], e[1]];
    throw new Error(`${where}: model.vocab[${i}] must be [piece, score]`);
  });
}

/** Metaspace / WhitespaceSplit pre-tokenisation of a SentencePiece-style file. */
function sentencePiecePre(pre: unknown, where: string): SentencePiecePreTokenizer {
  if (pre === null || pre === undefined) return { whitespaceSplit: false, metaspace: undefined };
  const list = isRecord(pre) && pre['type'] === 'Sequence' ? pre['pretokenizers'] : [pre];
  if (!Array.isArray(list)) throw new Error(`${where}: pre_tokenizer Sequence needs a 'pretokenizers' array`);
  let whitespaceSplit = false;
  let metaspace: MetaspaceOptions | undefined;
  list.forEach((p: unknown, i) => {
    const type = isRecord(p) ? p['type'] : undefined;
    if (type === 'WhitespaceSplit' && i === 0) whitespaceSplit = true;
    else if (type === 'Metaspace' && isRecord(p)) metaspace = metaspaceFromJson(p, `${where} pre_tokenizer`);
    else {
      throw new Error(
        `${where}: pre_tokenizer '${String(type)}' is not supported with a SentencePiece model (Metaspace, optionally after WhitespaceSplit; ByteLevel for byte-level BPE)`,
      );
    }
  });
  return { whitespaceSplit, metaspace };
}

/** A SentencePiece unigram or BPE model (T5, Marian, mBART, Llama-style files). */
function sentencePieceFromJson(
  json: JsonRecord,
  model: JsonRecord,
  added: readonly AddedTokenEntry[],
  common: { addedTokens: string[]; modelMaxLength?: number; paddingSide?: PaddingSide },
  config: TokenizerConfigFields | undefined,
  where: string,
): SentencePieceTokenizer {
  const byteFallback = optionalBoolean(model, 'byte_fallback', where) ?? false;
  let vocab: Vocab;
  let subword: Unigram | SentencePieceBpe;
  let unk: string | undefined;
  if (model['type'] === 'Unigram') {
    const pieces = unigramPieces(model, where);
    const unkId = model['unk_id'] === null ? undefined : optionalNumber(model, 'unk_id', where);
    vocab = withAddedTokens(Vocab.fromLines(pieces.map(([p]) => p)), added, where);
    subword = new Unigram(pieces, { unkId, byteFallback });
    unk = unkId === undefined ? undefined : pieces[unkId]?.[0];
  } else {
    vocab = withAddedTokens(
      Vocab.fromObject(numberMap(model, 'vocab', where), `${where} model.vocab`),
      added,
      where,
    );
    unk = model['unk_token'] === null ? undefined : optionalString(model, 'unk_token', where);
    subword = new SentencePieceBpe(vocab, parseMergeList(model, where), {
      unkToken: unk,
      byteFallback,
      fuseUnk: optionalBoolean(model, 'fuse_unk', where) ?? false,
    });
  }
  const pre = sentencePiecePre(json['pre_tokenizer'], where);
  const special = specialsFrom(config, added, 'angle');
  return new SentencePieceTokenizer(vocab, {
    ...common,
    special: unk !== undefined && special.unk === undefined ? { ...special, unk } : special,
    model: subword,
    normalizer: normalizerFromJson(json['normalizer'], `${where} normalizer`),
    preTokenizer: pre,
    template: postTemplateFromJson(json['post_processor'], where),
    decoder: pieceDecoderFromJson(json['decoder'], pre.metaspace, where),
    json,
  });
}

function addedTokenJson(tok: TextTokenizer): JsonRecord[] {
  const specials = new Set(Object.values(tok.special));
  return tok.addedTokens.map((content) => ({
    id: tok.vocab.id(content) as number,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: specials.has(content),
  }));
}

/**
 * A Hugging Face `tokenizer.json` for `tok`, loadable by the Python `tokenizers` library and by
 * transformers.js: model, normaliser, pre-tokeniser, post-processor and decoder of the family.
 */
export function tokenizerToJson(tok: TextTokenizer): JsonRecord {
  if (tok instanceof WordPieceTokenizer) {
    const cls = tok.special.cls as string;
    const sep = tok.special.sep as string;
    const seq = (id: 'A' | 'B', typeId: number) => ({ Sequence: { id, type_id: typeId } });
    const sp = (id: string, typeId: number) => ({ SpecialToken: { id, type_id: typeId } });
    return {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: addedTokenJson(tok),
      normalizer: {
        type: 'BertNormalizer',
        clean_text: tok.normalizer.cleanText,
        handle_chinese_chars: tok.normalizer.handleChineseChars,
        strip_accents: tok.normalizer.stripAccents,
        lowercase: tok.normalizer.lowercase,
      },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      post_processor: {
        type: 'TemplateProcessing',
        single: [sp(cls, 0), seq('A', 0), sp(sep, 0)],
        pair: [sp(cls, 0), seq('A', 0), sp(sep, 0), seq('B', 1), sp(sep, 1)],
        special_tokens: {
          [cls]: { id: cls, ids: [tok.specialId('cls')], tokens: [cls] },
          [sep]: { id: sep, ids: [tok.specialId('sep')], tokens: [sep] },
        },
      },
      decoder: { type: 'WordPiece', prefix: tok.model.prefix, cleanup: true },
      model: {
        type: 'WordPiece',
        unk_token: tok.model.unkToken,
        continuing_subword_prefix: tok.model.prefix,
        max_input_chars_per_word: tok.model.maxInputCharsPerWord,
        vocab: tok.vocab.toObject(),
      },
    };
  }
  if (tok instanceof ByteLevelBpeTokenizer) {
    const byteLevel = { add_prefix_space: tok.addPrefixSpace, trim_offsets: true, use_regex: true };
    return {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: addedTokenJson(tok),
      normalizer: null,
      pre_tokenizer: { type: 'ByteLevel', ...byteLevel },
      post_processor: tok.template
        ? postTemplateToJson(tok.template, tok.vocab)
        : { type: 'ByteLevel', ...byteLevel },
      decoder: { type: 'ByteLevel', ...byteLevel },
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: tok.special.unk ?? null,
        continuing_subword_prefix: '',
        end_of_word_suffix: '',
        fuse_unk: false,
        byte_fallback: false,
        vocab: tok.vocab.toObject(),
        merges: tok.model.merges.map(([a, b]) => `${a} ${b}`),
      },
    };
  }
  if (tok instanceof SentencePieceTokenizer) return tok.json;
  throw new Error(`tokenizerToJson: unsupported tokenizer kind '${tok.kind}'`);
}
