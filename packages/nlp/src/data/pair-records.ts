import { arrayDataset, type ReadResult } from '@peftkit/core';
import type { TextPairExample } from './text-pair-example.js';

/** One source/target record before checks, with its `file:line` for messages. */
export interface PairRecord {
  readonly source: unknown;
  readonly target: unknown;
  readonly where: string;
  /** What the fields are called in the file, for messages (`'de'`, `'document'`). */
  readonly names: readonly [string, string];
}

function text(v: unknown, name: string, where: string): string {
  if (typeof v !== 'string') {
    throw new Error(
      `${where}: field '${name}' is ${v === undefined ? 'missing' : `not text (${JSON.stringify(v)})`}`,
    );
  }
  return v;
}

/**
 * Checks records and builds the dataset: both fields must be text; pairs with an empty (or
 * whitespace-only) side carry nothing to learn and are skipped with a warning.
 */
export function pairsToExamples(records: readonly PairRecord[], source: string): ReadResult<TextPairExample> {
  const examples: TextPairExample[] = [];
  let skipped = 0;
  for (const r of records) {
    const s = text(r.source, r.names[0], r.where);
    const t = text(r.target, r.names[1], r.where);
    if (s.trim() === '' || t.trim() === '') skipped += 1;
    else examples.push({ source: s, target: t });
  }
  if (examples.length === 0) throw new Error(`${source}: no source/target pairs (${skipped} empty)`);
  const warnings = skipped
    ? [`${source}: skipped ${skipped} pair${skipped === 1 ? '' : 's'} with an empty side`]
    : [];
  return { dataset: arrayDataset(examples, source), ...(warnings.length ? { warnings } : {}) };
}
