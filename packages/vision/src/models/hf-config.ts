import { camelToSnake, snakeToCamel } from '@peftkit/core';
import type { z } from 'zod';

/**
 * Reads a Hugging Face / torchvision style `config.json` object (snake_case) into the camelCase
 * input of `schema`: keys the schema knows are converted and kept, the rest (`architectures`,
 * `id2label`, `transformers_version`, ...) are ignored. Validation errors name the file.
 */
export function configFromJson<S extends z.ZodObject>(
  schema: S,
  json: Readonly<Record<string, unknown>>,
  where: string,
): z.output<S> {
  const known = new Set(Object.keys(schema.shape));
  const input: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json)) {
    const camel = snakeToCamel(k);
    if (known.has(camel)) input[camel] = v;
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (i) => `${i.path.map((p) => camelToSnake(String(p))).join('.') || '(config)'}: ${i.message}`,
    );
    throw new Error(`${where}: invalid config: ${issues.join('; ')}`);
  }
  return parsed.data;
}

/** The snake_case `config.json` object of a camelCase config, with `model_type` first. */
export function configToJson(
  modelType: string,
  config: object,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const out: Record<string, unknown> = { model_type: modelType };
  for (const [k, v] of Object.entries(config)) if (v !== undefined) out[camelToSnake(k)] = v;
  return { ...out, ...extra };
}
