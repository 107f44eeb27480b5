import * as fs from 'node:fs/promises';
import type { DatasetReader } from '@peftkit/core';
import { z } from 'zod';
import { recordFieldsShape } from './record-options.js';
import { recordsToExamples, type SourceRecord } from './records-to-examples.js';
import type { TextExample } from './text-example.js';

export const jsonTextOptions = z.strictObject(recordFieldsShape);
export type JsonTextOptions = z.output<typeof jsonTextOptions>;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Records of a JSONL file (one object per line) or a JSON file holding an array of objects. */
export function parseJsonRecords(text: string, file: string): SourceRecord[] {
  const record = (v: unknown, where: string): SourceRecord => {
    if (!isObject(v)) throw new Error(`${where}: expected a JSON object`);
    return { get: (f) => v[f], where };
  };
  if (/\.json$/i.test(file)) {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (err) {
      throw new Error(`${file}: invalid JSON: ${(err as Error).message}`);
    }
    if (!Array.isArray(v)) throw new Error(`${file}: expected an array of objects (or use .jsonl)`);
    return v.map((x, i) => record(x, `${file}[${i}]`));
  }
  const out: SourceRecord[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (err) {
      throw new Error(`${file}:${i + 1}: invalid JSON: ${(err as Error).message}`);
    }
    out.push(record(v, `${file}:${i + 1}`));
  });
  return out;
}

/**
 * `nlp/jsonl`: JSON Lines (or a `.json` array) of objects with a text field and a label field;
 * with `target: 'tags'`, word and tag lists for token classification. The UCI sentiment fixtures
 * of the `sentiment` package read with `{ labelField: 'class' }`.
 *
 * @example data: { train: 'ner.jsonl', options: { target: 'tags', wordsField: 'tokens', tagsField: 'ner_tags' } }
 */
export const jsonTextReader: DatasetReader<TextExample, JsonTextOptions> = {
  id: 'nlp/jsonl',
  description: 'JSON Lines or a JSON array of objects: text + label, or word/tag lists',
  formats: ['jsonl', 'json'],
  optionsSchema: jsonTextOptions,
  canRead: (p) => /\.(jsonl|json)$/i.test(p),
  async read(file, { options, labels }) {
    const records = parseJsonRecords(await fs.readFile(file, 'utf8'), file);
    return recordsToExamples(records, options, labels, file);
  },
};
