import type { z } from 'zod';

/**
 * Validates a `config.json` object with `schema` (snake_case keys, as Hugging Face and every
 * peftkit architecture write them); a schema built with `z.object` drops the keys it does not
 * know (`architectures`, `id2label`, `transformers_version`, ...). Errors name the file and field.
 */
export function configFromJson<S extends z.ZodType>(
  schema: S,
  json: Readonly<Record<string, unknown>>,
  where: string,
): z.output<S> {
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (i) => `${i.path.map(String).join('.') || '(config)'}: ${i.message}`,
    );
    throw new Error(`${where}: invalid config: ${issues.join('; ')}`);
  }
  return parsed.data;
}
