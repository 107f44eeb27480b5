import { camelToSnake, UserError } from '@peftkit/core';
import type { z } from 'zod';

/**
 * Parses `input` with `schema`; failures become one `UserError` line naming every bad field
 * (in snake_case with `snakeCase`, for fields that came from a Hugging Face JSON file).
 */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  input: unknown,
  where: string,
  snakeCase = false,
): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const name = (p: PropertyKey) => (snakeCase ? camelToSnake(String(p)) : String(p));
  const issues = parsed.error.issues.map((i) => `${i.path.map(name).join('.') || '(options)'}: ${i.message}`);
  throw new UserError(`${where}: ${issues.join('; ')}`);
}
