import * as fs from 'node:fs/promises';
import { checkLimit, DEFAULT_INPUT_LIMITS, InputLimitError, type InputLimits } from './input-limits.js';

/**
 * Reads a text file whole after checking its size against `limits.maxFileBytes` (from `stat`,
 * before any byte is read). Errors name the file.
 *
 * @example const text = await readTextBounded('train.csv', limits);
 */
export async function readTextBounded(
  file: string,
  limits: InputLimits = DEFAULT_INPUT_LIMITS,
): Promise<string> {
  return (await readBytesBounded(file, limits)).toString('utf8');
}

/** `readTextBounded` for binary files: the bytes, size checked before reading. */
export async function readBytesBounded(
  file: string,
  limits: InputLimits = DEFAULT_INPUT_LIMITS,
): Promise<Buffer> {
  const stat = await fs.stat(file).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read ${file}: ${err.code === 'ENOENT' ? 'file not found' : err.message}`, {
      cause: err,
    });
  });
  if (!stat.isFile()) throw new Error(`cannot read ${file}: not a file`);
  checkLimit(limits, 'maxFileBytes', stat.size, `${file} holds`);
  return fs.readFile(file).catch((err: Error) => {
    throw new Error(`cannot read ${file}: ${err.message}`, { cause: err });
  });
}

/**
 * Throws `InputLimitError` when `value` nests arrays/objects deeper than `limits.maxJsonDepth`.
 * Iterative, so a hostile document cannot overflow the stack here (recursive code downstream,
 * schema validation and deep merges, would).
 */
export function checkJsonDepth(
  value: unknown,
  where: string,
  limits: InputLimits = DEFAULT_INPUT_LIMITS,
): void {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (typeof v !== 'object' || v === null) continue;
    checkLimit(limits, 'maxJsonDepth', depth, `${where}: nesting depth reaches`);
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
}

/**
 * `JSON.parse` with the input limits: text larger than `maxFileBytes` and documents nested
 * deeper than `maxJsonDepth` are refused. Syntax errors name `where`.
 */
export function parseJsonBounded(
  text: string,
  where: string,
  limits: InputLimits = DEFAULT_INPUT_LIMITS,
): unknown {
  checkLimit(limits, 'maxFileBytes', text.length, `${where} holds`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    if (err instanceof RangeError) throw depthError(where, limits);
    throw new Error(`${where}: invalid JSON: ${(err as Error).message}`, { cause: err });
  }
  checkJsonDepth(value, where, limits);
  return value;
}

/** The error for a parser that ran out of stack on deep nesting. */
export function depthError(where: string, limits: InputLimits): InputLimitError {
  return new InputLimitError(
    'maxJsonDepth',
    `${where}: nested too deeply to parse, over limits.maxJsonDepth (${limits.maxJsonDepth})`,
  );
}
