import { type DatasetReader, readTextBounded } from '@peftkit/core';
import { z } from 'zod';
import { parseJsonRecords } from './json-reader.js';
import { type PairRecord, pairsToExamples } from './pair-records.js';
import type { TextPairExample } from './text-pair-example.js';

export const jsonlPairOptions = z.strictObject({
  /**
   * Field of the source text (default `source`). With `translationField` set, the language
   * code inside it (`de`).
   */
  sourceField: z.string().min(1).default('source'),
  /** Field of the target text (default `target`), or the target language code. */
  targetField: z.string().min(1).default('target'),
  /**
   * Hugging Face `translation` datasets nest the pair: `{"translation": {"de": "...", "en": "..."}}`.
   * Name the object field here (usually `translation`) and the languages in source/targetField.
   */
  translationField: z.string().min(1).optional(),
});

export type JsonlPairOptions = z.output<typeof jsonlPairOptions>;

/**
 * `nlp/jsonl-pairs`: JSON Lines (or a `.json` array) of source/target pairs, flat
 * (`{"source": ..., "target": ...}`, field names configurable, e.g. `document`/`summary`) or
 * Hugging Face translation style (`{"translation": {"de": ..., "en": ...}}`).
 *
 * @example data: { train: 'wmt.jsonl', reader: 'nlp/jsonl-pairs', options: { translationField: 'translation', sourceField: 'de', targetField: 'en' } }
 */
export const jsonlPairReader: DatasetReader<TextPairExample, JsonlPairOptions> = {
  id: 'nlp/jsonl-pairs',
  description:
    'JSON Lines of source/target pairs, flat or HF translation style ({"translation": {"de", "en"}})',
  formats: ['jsonl', 'json'],
  optionsSchema: jsonlPairOptions,
  canRead: (p) => /\.(jsonl|json)$/i.test(p),
  async read(file, { options, limits }) {
    const raw = parseJsonRecords(await readTextBounded(file, limits), file, limits);
    const nest = options.translationField;
    const records: PairRecord[] = raw.map((r) => {
      let get = (f: string) => r.get(f);
      if (nest !== undefined) {
        const inner = r.get(nest);
        if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) {
          throw new Error(`${r.where}: field '${nest}' must be an object of language -> text`);
        }
        get = (f) => (inner as Record<string, unknown>)[f];
      }
      return {
        source: get(options.sourceField),
        target: get(options.targetField),
        where: r.where,
        names: nest
          ? [`${nest}.${options.sourceField}`, `${nest}.${options.targetField}`]
          : [options.sourceField, options.targetField],
      };
    });
    return pairsToExamples(records, file);
  },
};
