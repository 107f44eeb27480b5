import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { type AnyDataset, isMapDataset } from '@peftkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvOptions, csvReader } from './csv-reader.js';
import type { TabularRow } from './row.js';

function row(dataset: AnyDataset<TabularRow>, i: number) {
  if (!isMapDataset(dataset)) throw new Error('expected a map-style dataset');
  return dataset.get(i);
}

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-tabular-csv-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('tabular/csv', () => {
  it('reads quoted CRLF rows with a BOM through core parseCsv', async () => {
    const file = path.join(dir, 'rows.csv');
    await fs.writeFile(file, '\ufeff"f0",f1,label\r\n1,"2.5",low\r\n-1,0,high\r\n');
    const r = await csvReader.read(file, { options: csvOptions.parse({}), split: 'train' });
    expect(r.labels).toEqual(['high', 'low']);
    expect(await row(r.dataset, 0)).toEqual({ features: [1, 2.5], label: 1, columns: ['f0', 'f1'] });
  });

  it('refuses an unnamed column (a pandas index) unless featureColumns picks the features', async () => {
    const file = path.join(dir, 'indexed.csv');
    await fs.writeFile(file, ',f0,label\n0,1,low\n1,2,high\n');
    await expect(csvReader.read(file, { options: csvOptions.parse({}), split: 'train' })).rejects.toThrow(
      `${file}: the header has an unnamed column (an index column?); name it or set data.options.featureColumns`,
    );
    const picked = await csvReader.read(file, {
      options: csvOptions.parse({ featureColumns: ['f0'] }),
      split: 'train',
    });
    expect(await row(picked.dataset, 1)).toEqual({ features: [2], label: 0, columns: ['f0'] });
  });
});
