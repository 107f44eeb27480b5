import type { z } from 'zod';
import { didYouMean } from '../../common/close-matches.js';
import type { Architecture } from '../architecture.js';
import type { DatasetReader } from '../dataset-reader.js';
import type { Head } from '../head.js';
import type { PeftkitHost } from '../peftkit-host.js';
import type { Preprocessor } from '../preprocessor.js';
import { UnknownContributionError } from '../registry.js';
import { RunConfigError } from './config-error.js';
import { originOf } from './deep-merge.js';
import { formatZodIssues } from './format-issues.js';
import { peftBlockProblems } from './peft-block.js';
import type { RunConfig } from './schema.js';
import { schemaKeysAt } from './schema-keys.js';

/** The contributions a run config names, looked up and with their options validated. */
export interface RunParts {
  readonly preprocessor: Preprocessor;
  readonly preprocessOptions: Readonly<Record<string, unknown>>;
  readonly head: Head;
  readonly headConfig: unknown;
  /** Undefined when `data.reader` is not set (picked from the data path later). */
  readonly reader: DatasetReader | undefined;
  readonly readerOptions: Readonly<Record<string, unknown>>;
  /** Undefined when only `model.base` is set (found from its `config.json` later). */
  readonly architecture: Architecture | undefined;
}

/**
 * Checks the plugin-owned parts of a resolved run config against the host: every id names an
 * installed contribution, plugin options pass the plugin's schema, the PEFT method exists and its
 * fields are valid, metric names are known. All problems are gathered into one `RunConfigError`
 * with paths (`peft.r must be > 0`, `head.id: unknown head 'x' (did you mean 'y'?)`).
 */
export function validatePluginParts(
  host: PeftkitHost,
  config: RunConfig,
  origins: ReadonlyMap<string, string> = new Map(),
): RunParts {
  const problems: string[] = [];
  const at = (path: string, text: string) => {
    const origin = originOf(origins, path.split('.'));
    problems.push(origin ? `${text} (from ${origin})` : text);
  };
  const lookup = <T>(path: string, fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof UnknownContributionError)) throw err;
      at(path, `${path}: ${err.message}`);
      return undefined;
    }
  };
  const parse = <O>(schema: z.ZodType<O> | undefined, value: unknown, path: string): O | undefined => {
    if (!schema) return value as O;
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    const base = path.split('.');
    const root = { [base[0] as string]: nestedValue(base.slice(1), value) };
    for (const p of formatZodIssues(r.error.issues, root, base, (q) =>
      schemaKeysAt(schema, q.slice(base.length)),
    )) {
      at(p.path.map(String).join('.'), p.text);
    }
    return undefined;
  };

  const preprocessor = lookup('preprocess.id', () => host.preprocessors.get(config.preprocess.id));
  const preprocessOptions =
    preprocessor && parse(preprocessor.optionsSchema, config.preprocess.options, 'preprocess.options');
  const head = lookup('head.id', () => host.heads.get(config.head.id));
  const headConfig = head && parse(head.configSchema, config.head.config, 'head.config');
  const readerId = config.data.reader;
  const reader = readerId === undefined ? undefined : lookup('data.reader', () => host.readers.get(readerId));
  const readerOptions = reader
    ? parse(reader.optionsSchema, config.data.options, 'data.options')
    : config.data.options;
  const archId = config.model.architecture;
  const architecture =
    archId === undefined ? undefined : lookup('model.architecture', () => host.architectures.get(archId));

  for (const p of peftBlockProblems(config.peft, host.peftMethods)) at(p.path.map(String).join('.'), p.text);
  const metricNames = host.metricNames();
  for (const [i, name] of (config.training.metrics ?? []).entries()) {
    if (!metricNames.includes(name)) {
      at(
        `training.metrics.${i}`,
        `training.metrics.${i}: unknown metric '${name}'${didYouMean(name, metricNames)}`,
      );
    }
  }
  if (problems.length || !preprocessor || !head) throw new RunConfigError(problems);
  return {
    preprocessor,
    preprocessOptions: (preprocessOptions ?? {}) as Readonly<Record<string, unknown>>,
    head,
    headConfig,
    reader,
    readerOptions: (readerOptions ?? {}) as Readonly<Record<string, unknown>>,
    architecture,
  };
}

function nestedValue(path: readonly string[], value: unknown): unknown {
  let out = value;
  for (let i = path.length - 1; i >= 0; i--) out = { [path[i] as string]: out };
  return out;
}

/**
 * `data.options` parsed with `reader`'s schema (defaults applied), for a reader picked from the
 * data path rather than named in `data.reader`.
 */
export function parseReaderOptions(
  reader: DatasetReader,
  raw: Readonly<Record<string, unknown>>,
  origins: ReadonlyMap<string, string> = new Map(),
): Readonly<Record<string, unknown>> {
  if (!reader.optionsSchema) return raw;
  const r = reader.optionsSchema.safeParse(raw);
  if (r.success) return r.data as Readonly<Record<string, unknown>>;
  const schema = reader.optionsSchema;
  const problems = formatZodIssues(r.error.issues, { data: { options: raw } }, ['data', 'options'], (q) =>
    schemaKeysAt(schema, q.slice(2)),
  ).map(({ path, text }) => {
    const origin = originOf(origins, path.map(String));
    return `${text} (reader ${reader.id}${origin ? `; from ${origin}` : ''})`;
  });
  throw new RunConfigError(problems);
}

/** Validates `model.config` (after data hints filled it) with the architecture's schema. */
export function parseModelConfig(
  architecture: Architecture,
  raw: Readonly<Record<string, unknown>>,
  origins: ReadonlyMap<string, string> = new Map(),
): unknown {
  const r = architecture.configSchema.safeParse(raw);
  if (r.success) return r.data;
  const problems = formatZodIssues(r.error.issues, { model: { config: raw } }, ['model', 'config'], (q) =>
    schemaKeysAt(architecture.configSchema, q.slice(2)),
  ).map(({ path, text }) => {
    const origin = originOf(origins, path.map(String));
    return origin ? `${text} (from ${origin})` : text;
  });
  throw new RunConfigError(problems);
}
