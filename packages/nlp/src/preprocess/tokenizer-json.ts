import type { Merge } from './bpe.js';
import { ByteLevelBpeTokenizer } from './bpe-tokenizer.js';
import {
  isRecord,
  type JsonRecord,
  numberMap,
  optionalBoolean,
  optionalNumber,
  optionalString,
  recordAt,
} from './json-fields.js';
import type { SpecialTokens } from './special-tokens.js';
import type { TextTokenizer } from './tokenizer.js';
import type { TokenizerConfigFields } from './tokenizer-config.js';
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

/** Special tokens from the config, else guessed from the added tokens' names. */
function specialsFrom(
  config: TokenizerConfigFields | undefined,
  added: readonly AddedTokenEntry[],
  bert: boolean,
) {
  const given = config?.special ?? {};
  if (Object.keys(given).length > 0) return given;
  const names = new Set(added.map((t) => t.content));
  const guess: Record<string, string> = {};
  const table: [string, string][] = bert
    ? [
        ['unk', '[UNK]'],
        ['pad', '[PAD]'],
        ['cls', '[CLS]'],
        ['sep', '[SEP]'],
        ['mask', '[MASK]'],
      ]
    : [
        ['unk', '<|endoftext|>'],
        ['bos', '<|endoftext|>'],
        ['eos', '<|endoftext|>'],
      ];
  for (const [role, token] of table) if (names.has(token)) guess[role] = token;
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
 * Builds a tokenizer from a Hugging Face `tokenizer.json` (WordPiece with the BERT normaliser, or
 * byte-level BPE), with `tokenizer_config.json` fields when available.
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
    const special = { unk, ...specialsFrom(config, added, true) };
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
  if (type === 'BPE') {
    const pre = isRecord(json['pre_tokenizer']) ? json['pre_tokenizer'] : undefined;
    if (pre?.['type'] !== 'ByteLevel') {
      throw new Error(`${where}: only byte-level BPE is supported (pre_tokenizer type ByteLevel)`);
    }
    const vocab = withAddedTokens(
      Vocab.fromObject(numberMap(model, 'vocab', where), `${where} model.vocab`),
      added,
      where,
    );
    const special = specialsFrom(config, added, false);
    const unk = optionalString(model, 'unk_token', where);
    return new ByteLevelBpeTokenizer(vocab, parseMergeList(model, where), {
      ...common,
      special: unk !== undefined && special.unk === undefined ? { ...special, unk } : special,
      addPrefixSpace: optionalBoolean(pre, 'add_prefix_space', where) ?? config?.addPrefixSpace ?? false,
    });
  }
  throw new Error(`${where}: tokenizer model type '${String(type)}' is not supported (WordPiece or BPE)`);
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
      post_processor: { type: 'ByteLevel', ...byteLevel },
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
  throw new Error(`tokenizerToJson: unsupported tokenizer kind '${tok.kind}'`);
}
