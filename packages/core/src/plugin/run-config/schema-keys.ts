import type { z } from 'zod';

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  options?: readonly z.ZodType[];
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** Strips optional/default/nullable/pipe wrappers. */
function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (let i = 0; i < 16; i++) {
    const d = defOf(s);
    const inner = d.innerType ?? (d.type === 'pipe' ? d.in : undefined);
    if (!inner) return s;
    s = inner;
  }
  return s;
}

/**
 * The field names an object schema allows at `path` (through wrappers and union branches), for
 * "did you mean" hints on unknown keys. Empty when `path` is not an object.
 */
export function schemaKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let candidates = [unwrap(schema)];
  for (const key of path) {
    const next: z.ZodType[] = [];
    for (const c of candidates.flatMap(branches)) {
      const field = defOf(c).shape?.[String(key)];
      if (field) next.push(unwrap(field));
    }
    candidates = next;
  }
  return [...new Set(candidates.flatMap(branches).flatMap((c) => Object.keys(defOf(c).shape ?? {})))];
}

function branches(schema: z.ZodType): z.ZodType[] {
  const d = defOf(schema);
  return d.type === 'union' && d.options ? d.options.map(unwrap) : [schema];
}

/**
 * Each field of an object schema with its value: `given`'s when present, else the field's own
 * default, else `missing` (a required field nobody set). Fields outside the schema are kept as
 * given. For showing a config whose whole-object parse cannot run yet (fields the data fills).
 */
export function fieldsWithDefaults(
  schema: z.ZodType,
  given: Readonly<Record<string, unknown>>,
  missing: unknown,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(defOf(unwrap(schema)).shape ?? {})) {
    if (key in given) out[key] = given[key];
    else {
      const r = field.safeParse(undefined);
      out[key] = r.success && r.data !== undefined ? r.data : missing;
    }
  }
  return { ...given, ...out };
}
