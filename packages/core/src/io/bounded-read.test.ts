import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkJsonDepth, parseJsonBounded, readTextBounded } from './bounded-read.js';
import { DEFAULT_INPUT_LIMITS, InputLimitError, resolveInputLimits } from './input-limits.js';
import { readJsonObject } from './read-json.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bounded-read-'));
});
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

describe('input limits', () => {
  it('fills defaults and refuses unknown or non-positive limits', () => {
    expect(resolveInputLimits({ maxJsonDepth: 8 })).toEqual({ ...DEFAULT_INPUT_LIMITS, maxJsonDepth: 8 });
    expect(() => resolveInputLimits({ maxJsonDepth: 0 })).toThrow('limits.maxJsonDepth must be a positive');
    expect(() => resolveInputLimits({ nope: 1 } as never)).toThrow("unknown input limit 'nope'");
  });

  it('refuses a file over maxFileBytes from its size, naming the limit and how to raise it', async () => {
    const file = path.join(tmp, 'big.csv');
    await fs.writeFile(file, 'a\n'.repeat(600));
    const limits = resolveInputLimits({ maxFileBytes: 1024 });
    const err = await readTextBounded(file, limits).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputLimitError);
    expect((err as InputLimitError).limit).toBe('maxFileBytes');
    expect((err as Error).message).toMatch(
      /big\.csv holds 1\.2 KiB, over limits\.maxFileBytes \(1\.0 KiB\); .*--set limits\.maxFileBytes=2048/,
    );
    expect(await readTextBounded(file, resolveInputLimits({ maxFileBytes: 2048 }))).toHaveLength(1200);
  });

  it('refuses JSON nested deeper than maxJsonDepth without recursing', () => {
    expect(() => parseJsonBounded(deep(65), 'd.json')).toThrow(
      'd.json: nesting depth reaches 65, over limits.maxJsonDepth (64)',
    );
    expect(parseJsonBounded(deep(64), 'd.json')).toBeInstanceOf(Array);
    // A million levels: JSON.parse copes, and the iterative check does not overflow the stack.
    expect(() => checkJsonDepth(JSON.parse(deep(1_000_000)), 'm.json')).toThrow(InputLimitError);
    expect(() => parseJsonBounded('{"a":', 'x.json')).toThrow('x.json: invalid JSON');
  });

  it('applies the depth limit to JSON files read as objects (checkpoint and adapter configs)', async () => {
    const file = path.join(tmp, 'config.json');
    await fs.writeFile(file, `{"a": ${deep(100)}}`);
    await expect(readJsonObject(file, 'config')).rejects.toThrow(
      /config .*config\.json: nesting depth reaches 65/,
    );
  });
});
