/** Small readers for untyped JSON (HF tokenizer files); every error names the file and field. */

export type JsonRecord = Readonly<Record<string, unknown>>;

export function isRecord(v: unknown): v is JsonRecord {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function recordAt(obj: JsonRecord, key: string, where: string): JsonRecord {
  const v = obj[key];
  if (!isRecord(v)) throw new Error(`${where}: '${key}' must be an object`);
  return v;
}

export function optionalString(obj: JsonRecord, key: string, where: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  // tokenizer_config.json may hold an AddedToken object ({ content: '[CLS]', ... }).
  if (isRecord(v) && typeof v['content'] === 'string') return v['content'];
  throw new Error(`${where}: '${key}' must be a string`);
}

export function optionalBoolean(obj: JsonRecord, key: string, where: string): boolean | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new Error(`${where}: '${key}' must be a boolean`);
  return v;
}

export function optionalNumber(obj: JsonRecord, key: string, where: string): number | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${where}: '${key}' must be a number`);
  return v;
}

export function numberMap(obj: JsonRecord, key: string, where: string): Record<string, number> {
  const v = recordAt(obj, key, where);
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(v)) {
    if (typeof n !== 'number') throw new Error(`${where}: '${key}.${k}' must be a number`);
    out[k] = n;
  }
  return out;
}
