import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * test-data/hf-peft (made by its make_fixture.py): a tiny BertForSequenceClassification in exact
 * Hugging Face layout (`base/`), two HF PEFT LoRA adapters (`adapter-clf/`, `adapter-qkv/`) and
 * the probabilities a hand-written torch forward gives for `texts` (`reference.json`).
 */
export const HF_PEFT_FIXTURE = fileURLToPath(new URL('../../test-data/hf-peft', import.meta.url));

/** `reference.json`: per checkpoint, one row of probabilities (in `labels` order) per text. */
export interface HfPeftReference {
  labels: string[];
  texts: string[];
  base: number[][];
  'adapter-clf': number[][];
  'adapter-qkv': number[][];
}

export async function readHfPeftReference(): Promise<HfPeftReference> {
  return JSON.parse(await fs.readFile(path.join(HF_PEFT_FIXTURE, 'reference.json'), 'utf8'));
}

/** What `peftkit predict --json` prints for a text classifier. */
export interface PredictJson {
  predictions: { input: string; label: string; probabilities: Record<string, number>; adapter?: string }[];
}

/** The largest difference between the printed probabilities and `expected` (rows in `labels` order). */
export function worstProbabilityDiff(
  out: PredictJson,
  expected: number[][],
  labels: readonly string[],
): number {
  let worst = 0;
  for (const [i, p] of out.predictions.entries()) {
    for (const [j, label] of labels.entries()) {
      worst = Math.max(worst, Math.abs((p.probabilities[label] as number) - (expected[i]?.[j] as number)));
    }
  }
  return worst;
}
