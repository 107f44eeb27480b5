import { UserError } from '@peftkit/core';
import type { JsonRecord } from './json-fields.js';
import { METASPACE } from './metaspace.js';
import type { SentencePieceModel } from './sentencepiece-model.js';

/**
 * Score given to vocabulary entries the SentencePiece model does not own (the other side's
 * pieces of a joint vocabulary, special tokens): far below any real path, so segmentation never
 * picks one while the model's own pieces can spell the text.
 */
const FOREIGN_PIECE_PENALTY = 1e4;

/** Marian's special tokens (`MarianTokenizer` defaults). */
export interface MarianSpecials {
  eos: string;
  unk: string;
  pad: string;
}

const special = (content: string, id: number, isSpecial: boolean): JsonRecord => ({
  id,
  content,
  single_word: false,
  lstrip: false,
  rstrip: false,
  normalized: false,
  special: isSpecial,
});

/**
 * The Hugging Face `tokenizer.json` that tokenises as transformers' slow `MarianTokenizer` with
 * one side's SentencePiece model (`source.spm` for inputs, `target.spm` for labels) and the
 * joint `vocab.json`: special tokens split off first, the model's unigram segmentation (its
 * pieces and scores, listed at their `vocab.json` ids), `</s>` appended (pairs: `A B </s>`),
 * Metaspace decoding. Vocabulary entries the model does not own get a score
 * {@link FOREIGN_PIECE_PENALTY} below the model's worst, so the segmentation is the model's own;
 * the one difference from SentencePiece is a character only such an entry spells (a target-only
 * character in source text), which becomes that entry instead of `<unk>`. `>>xx<<` language codes
 * in the vocabulary are added tokens, as MarianTokenizer splits them off.
 *
 * Refused (`UserError`, naming `where`): a non-unigram model, a vocabulary whose ids are not
 * 0..N-1, model pieces missing from the vocabulary (MarianTokenizer would map them to `<unk>`,
 * which a unigram vocabulary cannot express), a missing special token.
 */
export function marianTokenizerJson(
  model: SentencePieceModel,
  vocab: Readonly<Record<string, number>>,
  specials: MarianSpecials,
  where: string,
): JsonRecord {
  if (model.modelType !== 'unigram') {
    throw new UserError(`${where}: a ${model.modelType} SentencePiece model; Marian models are unigram`);
  }
  const byId: string[] = [];
  for (const [piece, id] of Object.entries(vocab)) {
    if (!Number.isInteger(id) || id < 0 || byId[id] !== undefined) {
      throw new UserError(`${where}: vocab.json id ${id} of '${piece}' is not a new non-negative integer`);
    }
    byId[id] = piece;
  }
  // Ids are distinct non-negative integers, so they are 0..N-1 exactly when the largest is N-1.
  if (byId.length !== Object.keys(vocab).length) {
    throw new UserError(`${where}: vocab.json ids must be 0..${Object.keys(vocab).length - 1} without gaps`);
  }
  for (const [role, token] of Object.entries(specials)) {
    if (vocab[token] === undefined)
      throw new UserError(`${where}: vocab.json has no ${role} token '${token}'`);
  }
  const own = new Map<string, number>();
  for (const p of model.pieces) {
    if (p.type === 'normal' || p.type === 'user_defined' || p.type === 'byte') own.set(p.piece, p.score);
  }
  const missing = [...own.keys()].filter((p) => vocab[p] === undefined);
  if (missing.length > 0) {
    throw new UserError(
      `${where}: ${missing.length} pieces of the SentencePiece model are not in vocab.json (${missing.slice(0, 5).join(', ')}); expected the joint Marian vocabulary`,
    );
  }
  const worst = Math.min(...own.values());
  const foreign = worst - FOREIGN_PIECE_PENALTY;
  const unigram = byId.map((piece) => [piece, own.get(piece) ?? foreign]);
  const languageCodes = byId.filter((p) => /^>>.+<<$/u.test(p));
  const specialIds = new Set([specials.eos, specials.unk, specials.pad]);
  const added = [
    ...[...specialIds].map((t) => special(t, vocab[t] as number, true)),
    ...languageCodes.map((t) => special(t, vocab[t] as number, false)),
  ].sort((a, b) => (a['id'] as number) - (b['id'] as number));
  const n = model.normalizer;
  const normalizers: JsonRecord[] = [];
  if (n.name.startsWith('nmt_nfkc')) normalizers.push({ type: 'Precompiled', precompiled_charsmap: '' });
  else if (n.name.startsWith('nfkc')) normalizers.push({ type: 'NFKC' });
  if (n.removeExtraWhitespaces) {
    normalizers.push(
      { type: 'Strip', strip_left: true, strip_right: true },
      { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' },
    );
  }
  const metaspace = {
    type: 'Metaspace',
    replacement: METASPACE,
    prepend_scheme: n.addDummyPrefix ? 'always' : 'never',
    split: true,
  };
  const eos = specials.eos;
  const seq = (id: 'A' | 'B') => ({ Sequence: { id, type_id: 0 } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: { type: 'Sequence', normalizers },
    pre_tokenizer: metaspace,
    post_processor: {
      type: 'TemplateProcessing',
      single: [seq('A'), { SpecialToken: { id: eos, type_id: 0 } }],
      pair: [seq('A'), seq('B'), { SpecialToken: { id: eos, type_id: 0 } }],
      special_tokens: { [eos]: { id: eos, ids: [vocab[eos]], tokens: [eos] } },
    },
    decoder: metaspace,
    model: {
      type: 'Unigram',
      unk_id: vocab[specials.unk],
      vocab: unigram,
      byte_fallback: model.byteFallback,
    },
  };
}
