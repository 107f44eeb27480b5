import { formatZodIssues, schemaKeysAt, UserError, type z } from '@peftkit/core';

/**
 * Validates `raw` with `schema` and returns the frozen result, or throws a one-line `UserError`
 * naming each bad field under `where` (`env.poleMass must be > 0, got number -1`).
 */
export function parseEnvConfig<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  where: string,
): Readonly<z.output<S>> {
  const result = schema.safeParse(raw ?? {});
  if (result.success) return deepFreeze(result.data) as Readonly<z.output<S>>;
  const base = where.split('.');
  const root = nest(base, raw);
  const problems = formatZodIssues(result.error.issues, root, base, (p) =>
    schemaKeysAt(schema, p.slice(base.length)),
  );
  throw new UserError(problems.map((p) => p.text).join('; '));
}

function nest(path: readonly string[], value: unknown): unknown {
  return path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
