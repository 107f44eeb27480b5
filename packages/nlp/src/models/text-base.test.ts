import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTextBase } from './text-base.js';

describe('loadTextBase', () => {
  it('names the supported model types for an unknown one', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-textbase-'));
    await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'llama' }));
    await expect(loadTextBase(dir)).rejects.toThrow(
      /model_type "llama" is not supported by @peftkit\/nlp \(supported: bert, distilbert, gpt2\)/,
    );
    await fs.rm(dir, { recursive: true, force: true });
  });
});
