import type { z } from 'zod';
import { resolveInputLimits } from '../../io/input-limits.js';
import { RunConfigError } from './config-error.js';
import { originOf } from './deep-merge.js';
import { formatZodIssues, valueAt } from './format-issues.js';
import type { RunParts } from './plugin-parts.js';
import type { RunConfig } from './schema.js';
import { fieldsWithDefaults, schemaKeysAt } from './schema-keys.js';

/** What `peftkit config` shows for a required `model.config` field only the data can give. */
export const FROM_THE_DATA = '(from the data)';

/**
 * `model.config` as the architecture will receive it, for showing a resolved config before any
 * data is read: the user's fields validated by the architecture's schema (an unknown field, a
 * wrong type or an out-of-range value is a `RunConfigError` naming `model.config.<field>`), the
 * hints the preprocessor gives without data laid under them, and the schema's defaults filled
 * in. Required fields only the data fills show as `FROM_THE_DATA`. Undefined when the
 * architecture is not known yet or a `model.base` checkpoint brings its own config.
 */
export function modelConfigView(
  config: RunConfig,
  parts: RunParts,
  origins: ReadonlyMap<string, string> = new Map(),
): Record<string, unknown> | undefined {
  const arch = parts.architecture;
  if (!arch || config.model.base !== undefined) return undefined;
  const schema = arch.configSchema as z.ZodType;
  const given = config.model.config;
  const own = schema.safeParse(given);
  if (!own.success) {
    // A required field the user did not set is the data's to fill, not a mistake.
    const wrong = own.error.issues.filter(
      (i) => !(i.code === 'invalid_type' && valueAt(given, i.path) === undefined),
    );
    if (wrong.length) {
      throw new RunConfigError(
        formatZodIssues(wrong, { model: { config: given } }, ['model', 'config'], (q) =>
          schemaKeysAt(schema, q.slice(2)),
        ).map(({ path, text }) => {
          const origin = originOf(origins, path.map(String));
          return origin ? `${text} (from ${origin})` : text;
        }),
      );
    }
  }
  const merged = { ...dataFreeHints(config, parts), ...given };
  const full = schema.safeParse(merged);
  if (full.success) return full.data as Record<string, unknown>;
  return fieldsWithDefaults(schema, merged, FROM_THE_DATA);
}

/** The preprocessor's `modelConfig` hints when they do not need fitted data (else none). */
function dataFreeHints(config: RunConfig, parts: RunParts): Readonly<Record<string, unknown>> {
  try {
    const instance = parts.preprocessor.create(parts.preprocessOptions, {
      labels: undefined,
      limits: resolveInputLimits(config.limits),
      allowOutsideRoot: config.data.allowOutsideRoot,
    });
    return instance.modelConfig?.() ?? {};
  } catch {
    // Hints that need the fitted data (a tokenizer's vocabulary) are the data's to give.
    return {};
  }
}
