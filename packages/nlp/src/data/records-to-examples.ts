import { arrayDataset, describeUnseen, indexLabels, type ReadResult } from '@peftkit/core';
import { labelText } from './labels.js';
import type { RecordFields } from './record-options.js';
import type { TextExample } from './text-example.js';

/** One source record (a CSV row, a JSON object) with a location for messages. */
export interface SourceRecord {
  get(field: string): unknown;
  /** `file:line`. */
  readonly where: string;
}

function str(r: SourceRecord, field: string, what: string): string {
  const v = r.get(field);
  if (typeof v !== 'string') {
    throw new Error(
      `${r.where}: ${what} field '${field}' is ${v === undefined ? 'missing' : `not text (${JSON.stringify(v)})`}`,
    );
  }
  return v;
}

function wordList(r: SourceRecord, field: string): string[] {
  const v = r.get(field);
  if (!Array.isArray(v) || !v.every((w) => typeof w === 'string')) {
    throw new Error(`${r.where}: '${field}' must be a list of words`);
  }
  return v as string[];
}

/**
 * Turns records into text examples for the target kind, inferring the label set (or mapping onto
 * the given one: records with unseen labels are skipped and reported in `warnings`).
 */
export function recordsToExamples(
  all: readonly SourceRecord[],
  fields: RecordFields,
  known: readonly string[] | undefined,
  source: string,
): ReadResult<TextExample> {
  // Records with empty text carry nothing to learn (the UCI fixtures end with one): skip, report.
  const records =
    fields.target === 'tags'
      ? all
      : all.filter(
          (r) =>
            !(
              typeof r.get(fields.textField) === 'string' && (r.get(fields.textField) as string).trim() === ''
            ),
        );
  const skipped = all.length - records.length;
  const result = build(records, fields, known, source);
  if (skipped === 0) return result;
  return {
    ...result,
    warnings: [
      ...(result.warnings ?? []),
      `${source}: skipped ${skipped} record${skipped === 1 ? '' : 's'} with empty text`,
    ],
  };
}

function build(
  records: readonly SourceRecord[],
  fields: RecordFields,
  known: readonly string[] | undefined,
  source: string,
): ReadResult<TextExample> {
  const base = records.map((r) => ({
    text: fields.target === 'tags' ? '' : str(r, fields.textField, 'text'),
    ...(fields.pairField ? { pair: str(r, fields.pairField, 'pair') } : {}),
  }));
  if (fields.target === 'none') return { dataset: arrayDataset(base, source) };
  if (fields.target === 'value') {
    const examples = records.map((r, i) => {
      const raw = r.get(fields.labelField);
      const value = typeof raw === 'number' ? raw : Number(labelText(raw));
      if (labelText(raw) === '' || !Number.isFinite(value)) {
        throw new Error(`${r.where}: '${fields.labelField}' is not a number: ${JSON.stringify(raw)}`);
      }
      return { ...base[i], value } as TextExample;
    });
    return { dataset: arrayDataset(examples, source) };
  }
  if (fields.target === 'tags') {
    const words = records.map((r) => wordList(r, fields.wordsField));
    const tags = records.map((r, i) => {
      const t = wordList(r, fields.tagsField);
      if (t.length !== (words[i] as string[]).length) {
        throw new Error(`${r.where}: ${t.length} tags for ${(words[i] as string[]).length} words`);
      }
      return t;
    });
    const mapped = indexLabels(tags.flat(), known);
    let at = 0;
    const examples: TextExample[] = [];
    records.forEach((_, i) => {
      const w = words[i] as string[];
      const ids = mapped.indices.slice(at, at + w.length);
      at += w.length;
      if (ids.some((x) => x < 0)) return;
      examples.push({ text: w.join(' '), words: w, tags: ids });
    });
    const warnings = mapped.unseen.size
      ? [
          `${source}: skipped sentences with tags the model was not trained on: ${describeUnseen(mapped.unseen, 'word')}`,
        ]
      : [];
    return { dataset: arrayDataset(examples, source), labels: mapped.labels, warnings };
  }
  const values = records.map((r) => {
    const v = labelText(r.get(fields.labelField));
    if (v === '') throw new Error(`${r.where}: no label in field '${fields.labelField}'`);
    return v;
  });
  const mapped = indexLabels(values, known);
  const examples: TextExample[] = [];
  base.forEach((b, i) => {
    const label = mapped.indices[i] as number;
    if (label >= 0) examples.push({ ...b, label });
  });
  const warnings = mapped.unseen.size
    ? [
        `${source}: skipped examples with labels the model was not trained on: ${describeUnseen(mapped.unseen, 'example')}`,
      ]
    : [];
  return {
    dataset: arrayDataset(examples, source),
    labels: mapped.labels,
    labelOf: (e) => e.label ?? -1,
    warnings,
  };
}
