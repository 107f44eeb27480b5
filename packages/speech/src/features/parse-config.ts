import { UserError } from '@peftkit/core';
import type { z } from 'zod';

/** Parses `input` with `schema`; failures become one `UserError` line naming every bad field. */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`);
  throw new UserError(`${where}: ${issues.join('; ')}`);
}
