import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputLimitError } from '../../io/input-limits.js';
import { loadConfigFile } from './config-file.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'config-limits-'));
});
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

describe('loadConfigFile limits', () => {
  it('refuses YAML and JSON nested deeper than the default maxJsonDepth with a one-line error', async () => {
    for (const [name, text] of [
      ['deep.yaml', `a: ${'['.repeat(100)}${']'.repeat(100)}\n`],
      ['deep.json', `{"a": ${'['.repeat(100)}${']'.repeat(100)}}`],
      // Deep enough that the YAML parser itself runs out of stack.
      ['bomb.yaml', `${'['.repeat(20_000)}${']'.repeat(20_000)}`],
    ] as const) {
      const file = path.join(tmp, name);
      await fs.writeFile(file, text);
      const err = await loadConfigFile(file).catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(InputLimitError);
      expect((err as Error).message).toContain(`config file ${file}`);
      expect((err as Error).message).toContain('limits.maxJsonDepth (64)');
    }
  });

  it('still reads ordinary configs', async () => {
    const file = path.join(tmp, 'ok.yaml');
    await fs.writeFile(file, 'training:\n  lr: 0.001\nlimits:\n  maxImageBytes: 4294967296\n');
    expect((await loadConfigFile(file)).value).toEqual({
      training: { lr: 0.001 },
      limits: { maxImageBytes: 4294967296 },
    });
  });
});
