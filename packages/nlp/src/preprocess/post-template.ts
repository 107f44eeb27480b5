import type { Encoding, TokenSpan } from './encoding.js';
import { isRecord, type JsonRecord } from './json-fields.js';
import type { Vocab } from './vocab.js';

/** One item of a post-processing template: a special token or one of the input sequences. */
export type TemplatePiece =
  | { readonly special: string; readonly typeId: number }
  | { readonly sequence: 'A' | 'B'; readonly typeId: number };

/**
 * How special tokens wrap one text and a pair (HF `TemplateProcessing`; `RobertaProcessing` and
 * `BertProcessing` are read into the same form).
 *
 * @example T5: { single: [A, '</s>'], pair: [A, '</s>', B, '</s>'] }
 */
export interface PostTemplate {
  readonly single: readonly TemplatePiece[];
  readonly pair: readonly TemplatePiece[];
}

const seq = (sequence: 'A' | 'B', typeId = 0): TemplatePiece => ({ sequence, typeId });
const tok = (special: string, typeId = 0): TemplatePiece => ({ special, typeId });

function pairToken(n: JsonRecord, key: string, where: string): string {
  const v = n[key];
  if (!Array.isArray(v) || typeof v[0] !== 'string')
    throw new Error(`${where}: '${key}' must be [token, id]`);
  return v[0];
}

function templateList(v: unknown, where: string): TemplatePiece[] {
  if (!Array.isArray(v)) throw new Error(`${where}: must be an array`);
  return v.map((item: unknown, i): TemplatePiece => {
    const at = `${where}[${i}]`;
    if (isRecord(item) && isRecord(item['Sequence'])) {
      const s = item['Sequence'];
      if (s['id'] !== 'A' && s['id'] !== 'B') throw new Error(`${at}: Sequence id must be 'A' or 'B'`);
      return seq(s['id'], typeof s['type_id'] === 'number' ? s['type_id'] : 0);
    }
    if (isRecord(item) && isRecord(item['SpecialToken'])) {
      const s = item['SpecialToken'];
      if (typeof s['id'] !== 'string') throw new Error(`${at}: SpecialToken needs a string 'id'`);
      return tok(s['id'], typeof s['type_id'] === 'number' ? s['type_id'] : 0);
    }
    if (typeof item === 'string') {
      // The string form: '$A', '$B:1', '</s>', '[SEP]:1'.
      const [name, type] = item.split(':');
      const typeId = type === undefined ? 0 : Number(type);
      if (name === '$A' || name === '$B') return seq(name === '$A' ? 'A' : 'B', typeId);
      return tok(name as string, typeId);
    }
    throw new Error(`${at}: expected { Sequence } or { SpecialToken }`);
  });
}

/**
 * The template of a `tokenizer.json` `post_processor` (TemplateProcessing, RobertaProcessing,
 * BertProcessing); undefined for null and for `ByteLevel` (no special tokens).
 */
export function postTemplateFromJson(pp: unknown, where: string): PostTemplate | undefined {
  if (pp === null || pp === undefined) return undefined;
  if (!isRecord(pp)) throw new Error(`${where}: 'post_processor' must be an object or null`);
  switch (pp['type']) {
    case 'TemplateProcessing':
      return {
        single: templateList(pp['single'], `${where} post_processor.single`),
        pair: templateList(pp['pair'], `${where} post_processor.pair`),
      };
    case 'RobertaProcessing': {
      const cls = pairToken(pp, 'cls', where);
      const sep = pairToken(pp, 'sep', where);
      return {
        single: [tok(cls), seq('A'), tok(sep)],
        pair: [tok(cls), seq('A'), tok(sep), tok(sep), seq('B'), tok(sep)],
      };
    }
    case 'BertProcessing': {
      const cls = pairToken(pp, 'cls', where);
      const sep = pairToken(pp, 'sep', where);
      return {
        single: [tok(cls), seq('A'), tok(sep)],
        pair: [tok(cls), seq('A'), tok(sep), seq('B', 1), tok(sep, 1)],
      };
    }
    case 'ByteLevel':
      return undefined;
    default:
      throw new Error(
        `${where}: post_processor '${String(pp['type'])}' is not supported (TemplateProcessing, RobertaProcessing, BertProcessing, ByteLevel)`,
      );
  }
}

/** Number of special tokens the template adds. */
export function templateSpecialCount(t: PostTemplate, pair: boolean): number {
  return (pair ? t.pair : t.single).filter((p) => 'special' in p).length;
}

/** Checks every special token of the template is in the vocabulary. */
export function checkTemplate(t: PostTemplate, vocab: Vocab, where: string): void {
  for (const p of [...t.single, ...t.pair]) {
    if ('special' in p && !vocab.has(p.special)) {
      throw new Error(`${where}: post-processor token '${p.special}' is not in the vocabulary`);
    }
  }
}

/** Wraps one or two spans as the template says. */
export function applyPostTemplate(
  t: PostTemplate,
  vocab: Vocab,
  a: TokenSpan,
  b: TokenSpan | undefined,
): Encoding {
  const e = {
    ids: [] as number[],
    tokens: [] as string[],
    typeIds: [] as number[],
    attentionMask: [] as number[],
    specialTokensMask: [] as number[],
    wordIds: [] as (number | null)[],
    sequenceIds: [] as (number | null)[],
  };
  for (const p of b ? t.pair : t.single) {
    if ('special' in p) {
      e.ids.push(vocab.id(p.special) as number);
      e.tokens.push(p.special);
      e.typeIds.push(p.typeId);
      e.attentionMask.push(1);
      e.specialTokensMask.push(1);
      e.wordIds.push(null);
      e.sequenceIds.push(null);
      continue;
    }
    const span = p.sequence === 'A' ? a : b;
    if (!span) continue;
    span.ids.forEach((id, i) => {
      e.ids.push(id);
      e.tokens.push(span.tokens[i] as string);
      e.typeIds.push(p.typeId);
      e.attentionMask.push(1);
      e.specialTokensMask.push(0);
      e.wordIds.push(span.wordIds[i] ?? null);
      e.sequenceIds.push(p.sequence === 'A' ? 0 : 1);
    });
  }
  return e;
}

/** The template as a `TemplateProcessing` post-processor entry. */
export function postTemplateToJson(t: PostTemplate, vocab: Vocab): JsonRecord {
  const item = (p: TemplatePiece) =>
    'special' in p
      ? { SpecialToken: { id: p.special, type_id: p.typeId } }
      : { Sequence: { id: p.sequence, type_id: p.typeId } };
  const specials = [...new Set([...t.single, ...t.pair].flatMap((p) => ('special' in p ? [p.special] : [])))];
  return {
    type: 'TemplateProcessing',
    single: t.single.map(item),
    pair: t.pair.map(item),
    special_tokens: Object.fromEntries(
      specials.map((s) => [s, { id: s, ids: [vocab.id(s) as number], tokens: [s] }]),
    ),
  };
}
