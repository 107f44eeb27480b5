import { z } from 'zod';

/** What a labelled record's target is: a class, a number, per-word tags, or nothing (language modelling). */
export const TARGET_KINDS = ['class', 'value', 'tags', 'none'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

/** Field options shared by the CSV and JSON readers (`data.options` in a run config). */
export const recordFieldsShape = {
  /** Field holding the text (default `text`). */
  textField: z.string().min(1).default('text'),
  /** Field holding the second text of a pair (default: none). */
  pairField: z.string().min(1).optional(),
  /** Field holding the class or value (default `label`; the sentiment fixtures use `class`). */
  labelField: z.string().min(1).default('label'),
  /** `class` (default), `value` (regression), `tags` (token classification), `none` (unlabelled). */
  target: z.enum(TARGET_KINDS).default('class'),
  /** For `tags`: the field with the word list (default `tokens`). */
  wordsField: z.string().min(1).default('tokens'),
  /** For `tags`: the field with one tag per word (default `tags`). */
  tagsField: z.string().min(1).default('tags'),
} as const;

export type RecordFields = z.output<z.ZodObject<typeof recordFieldsShape>>;
