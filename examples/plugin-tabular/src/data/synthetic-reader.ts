import { arrayDataset, type DatasetReader, indexLabels } from '@peftkit/core';
import type { TabularRow } from './row.js';
import { SYNTHETIC_COLUMNS, syntheticRows } from './synthetic.js';

const LOCATION = /^synthetic:(source|target)(?:\?rows=(\d+))?(?:&seed=(\d+))?$/;

/**
 * Generated tables, so the preset's pretraining recipe needs no download:
 * `synthetic:source?rows=2000&seed=1` (or `target`). See `syntheticRows`.
 */
export const syntheticReader: DatasetReader<TabularRow> = {
  id: 'tabular/synthetic',
  description: 'seeded synthetic tables (synthetic:source|target?rows=N&seed=S) for demos and pretraining',
  formats: ['synthetic:'],
  canRead: (p) => LOCATION.test(p),
  async read(location, { labels }) {
    const m = LOCATION.exec(location);
    if (!m) throw new Error(`'${location}' is not synthetic:source|target?rows=N&seed=S`);
    const raw = syntheticRows(m[1] as 'source' | 'target', Number(m[2] ?? 2000), Number(m[3] ?? 1));
    const mapped = indexLabels(
      raw.map((r) => r.label),
      labels,
    );
    const rows = raw.map((r, i) => ({
      features: r.features,
      label: mapped.indices[i] as number,
      columns: SYNTHETIC_COLUMNS,
    }));
    return { dataset: arrayDataset(rows, location), labels: mapped.labels, labelOf: (e) => e.label };
  },
};
