import { ContainerModule } from 'inversify';
import { describe, expect, it } from 'vitest';
import { DEFAULT_INPUT_LIMITS } from '../../io/input-limits.js';
import { arrayDataset } from '../../train/data/dataset.js';
import { DatasetReader, type ReadOptions } from '../dataset-reader.js';
import { definePlugin } from '../domain-plugin.js';
import { createPeftkit } from '../peftkit-host.js';
import { runConfigSchema } from '../run-config/schema.js';
import { readEvalData, readRunData } from './read-data.js';

describe('input policy reaches readers', () => {
  it('passes the run config limits block (over the defaults) and data.allowOutsideRoot to every read', async () => {
    const seen: Pick<ReadOptions, 'limits' | 'allowOutsideRoot' | 'split'>[] = [];
    const reader: DatasetReader<number> = {
      id: 'fake/rows',
      description: 'records what it was given',
      formats: ['rows'],
      canRead: (p) => p.startsWith('rows:'),
      async read(_p, { limits, allowOutsideRoot, split }) {
        seen.push({ limits, allowOutsideRoot, split });
        return { dataset: arrayDataset(Array.from({ length: 10 }, (_, i) => i)) };
      },
    };
    const host = await createPeftkit({
      plugins: [
        definePlugin({
          id: 'fake',
          version: '1.0.0',
          domain: 'fake',
          description: 'a reader for limit tests',
          module: new ContainerModule(({ bind }) => {
            bind(DatasetReader).toConstantValue(reader);
          }),
        }),
      ],
    });
    const config = runConfigSchema.parse({
      domain: 'fake',
      data: { train: 'rows:a', eval: 'rows:b', allowOutsideRoot: true },
      limits: { maxImageBytes: 4096, maxJsonDepth: 8 },
      preprocess: { id: 'fake/p' },
      model: { architecture: 'fake/a' },
      head: { id: 'fake/h' },
      peft: 'full',
      training: { epochs: 1 },
    });
    await readRunData(host, config);
    const expected = { ...DEFAULT_INPUT_LIMITS, maxImageBytes: 4096, maxJsonDepth: 8 };
    expect(seen).toEqual([
      { limits: expected, allowOutsideRoot: true, split: 'train' },
      { limits: expected, allowOutsideRoot: true, split: 'eval' },
    ]);
    // Without a policy (a direct call), readers get the defaults and containment.
    await readEvalData(reader, 'rows:c', {}, undefined);
    expect(seen[2]).toEqual({ limits: DEFAULT_INPUT_LIMITS, allowOutsideRoot: false, split: 'eval' });
    expect(() => runConfigSchema.parse({ ...config, limits: { maxImageBytes: -1 } })).toThrow();
    expect(() => runConfigSchema.parse({ ...config, limits: { maxPixels: 1 } })).toThrow();
  });
});
