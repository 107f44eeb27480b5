import {
  checkJsonDepth,
  type DatasetReader,
  DEFAULT_INPUT_LIMITS,
  type InputLimits,
  parseJsonBounded,
  readTextBounded,
} from '@peftkit/core';
import { z } from 'zod';
import { recordFieldsShape } from './record-options.js';
import { recordsToExamples, type SourceRecord } from './records-to-examples.js';
import type { TextExample } from './text-example.js';

export const jsonTextOptions = z.strictObject(recordFieldsShape);
export type JsonTextOptions = z.output<typeof jsonTextOptions>;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Records of a JSONL file (one object per line) or a JSON file holding an array of objects;
 * documents nested deeper than `limits.maxJsonDepth` are refused.
 */
export function parseJsonRecords(
  text: string,
  file: string,
  limits: InputLimits = DEFAULT_INPUT_LIMITS,
): SourceRecord[] {
  const record = (v: unknown, where: string): SourceRecord => {
    if (!isObject(v)) throw new Error(`${where}: expected a JSON object`);
    return { get: (f) => v[f], where };
  };
  if (/\.json$/i.test(file)) {
    const v = parseJsonBounded(text, file, limits);
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
    checkJsonDepth(v, `${file}:${i + 1}`, limits);
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
  async read(file, { options, labels, limits }) {
    const records = parseJsonRecords(await readTextBounded(file, limits), file, limits);
    return recordsToExamples(records, options, labels, file);
  },
};
