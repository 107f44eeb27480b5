import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import {
  type AnyModule,
  disposeAll,
  loadTorchStateDict,
  saveSafetensors,
  toTorchStateDict,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';

/** A WordPiece vocabulary for tiny hub-style checkpoints (`vocab.txt`, one token a line). */
export const HUB_VOCAB = [
  '[PAD]',
  '[UNK]',
  '[CLS]',
  '[SEP]',
  '[MASK]',
  'the',
  'movie',
  'was',
  'great',
  'awful',
  'plot',
  '.',
];

/** Sentences spelled with `HUB_VOCAB` (and one unknown-cased word). */
export const HUB_TEXTS = [
  'the movie was great.',
  'the plot was awful.',
  'great plot, awful movie!',
  'the Movie',
];

/**
 * Writes `model` (a sequence classifier with a two-label `classifier`) as the Hugging Face hub
 * serves a fine-tuned checkpoint: `model.safetensors` in the task layout, `config.json` (`config`
 * plus `architectures`, `id2label` negative/positive) and `vocab.txt`. The classifier bias is
 * set to a non-zero value first (a trained head's is; HF initialises it to zero), in `model` too.
 */
export async function writeHubClassifier(
  dir: string,
  model: AnyModule,
  config: Readonly<Record<string, unknown>>,
  architecture: string,
): Promise<void> {
  const weights = toTorchStateDict(model);
  try {
    weights.get('classifier.bias')?.dispose();
    weights.set('classifier.bias', tf.tensor1d([0.3, -0.2]));
    loadTorchStateDict(model, weights);
    await fs.mkdir(dir, { recursive: true });
    await saveSafetensors(path.join(dir, 'model.safetensors'), weights, { format: 'pt' });
  } finally {
    disposeAll(weights);
  }
  await fs.writeFile(
    path.join(dir, 'config.json'),
    JSON.stringify({
      ...config,
      architectures: [architecture],
      id2label: { 0: 'negative', 1: 'positive' },
      label2id: { negative: 0, positive: 1 },
    }),
  );
  await fs.writeFile(path.join(dir, 'vocab.txt'), `${HUB_VOCAB.join('\n')}\n`);
}
