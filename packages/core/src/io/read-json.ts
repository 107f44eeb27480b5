import * as fs from 'node:fs/promises';
import { checkJsonDepth } from './bounded-read.js';
import { checkLimit, DEFAULT_INPUT_LIMITS } from './input-limits.js';

/**
 * Reads a JSON object from `file`. Errors name the file and say what is wrong (missing, not JSON,
 * not an object), because "Unexpected token } in JSON at position 812" alone does not say which
 * of a checkpoint's files is broken.
 */
export async function readJsonObject(file: string, what = 'JSON file'): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : (err as Error).message;
    throw new Error(`${what} ${file}: cannot read: ${why}`, { cause: err });
  }
  checkLimit(DEFAULT_INPUT_LIMITS, 'maxFileBytes', text.length, `${what} ${file} holds`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`${what} ${file}: invalid JSON: ${(err as Error).message}`, { cause: err });
  }
  checkJsonDepth(value, `${what} ${file}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(
      `${what} ${file}: expected a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}`,
    );
  }
  return value as Record<string, unknown>;
}

/** Whether `p` exists (any kind of entry). */
export async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}
