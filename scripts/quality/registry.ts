import { SPEECH_DATASETS } from './speech-datasets.js';
import type { DatasetSpec } from './suite-dataset.js';
import { TEXT_DATASETS } from './text-datasets.js';
import { VISION_DATASETS } from './vision-datasets.js';

/** Every dataset the suite can prepare, text first (the issue-19 case leads). */
export const DATASETS: readonly DatasetSpec[] = [...TEXT_DATASETS, ...VISION_DATASETS, ...SPEECH_DATASETS];

/** The spec of `id`, or an error listing the known ids. */
export function datasetSpec(id: string): DatasetSpec {
  const spec = DATASETS.find((d) => d.id === id);
  if (!spec) throw new Error(`unknown dataset ${id} (known: ${DATASETS.map((d) => d.id).join(', ')})`);
  return spec;
}
