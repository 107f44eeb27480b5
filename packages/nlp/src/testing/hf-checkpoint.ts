import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { type AnyModule, type Architecture, saveSafetensors } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import type { Matrix } from './reference-math.js';

/** Biases and LayerNorm weights are 1-D in PyTorch files; the tests keep them as one-row matrices. */
function isVectorKey(key: string): boolean {
  return key.endsWith('.bias') || /(LayerNorm|layer_norm)\.weight$/.test(key);
}

/**
 * Writes a Hugging Face checkpoint directory by hand, as tests need it: `model.safetensors` with
 * `weights` (PyTorch layout, keys prefixed with `prefix`, e.g. `bert.` for a task model) plus any
 * `extra` tensors (head weights, buffers), and `config.json`.
 */
export async function writeHfCheckpoint(
  dir: string,
  o: {
    weights: Readonly<Record<string, Matrix>>;
    prefix?: string;
    extra?: Readonly<Record<string, tf.Tensor>>;
    config: Readonly<Record<string, unknown>>;
  },
): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const tensors = new Map<string, tf.Tensor>();
  for (const [k, m] of Object.entries(o.weights)) {
    tensors.set((o.prefix ?? '') + k, isVectorKey(k) ? tf.tensor1d(m[0] as number[]) : tf.tensor2d(m));
  }
  for (const [k, t] of Object.entries(o.extra ?? {})) tensors.set(k, t);
  await saveSafetensors(path.join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  for (const t of tensors.values()) t.dispose();
  await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify(o.config));
}

/** A right-padded batch of two rows, `[2, 4]` int32 ids and attention mask. */
export function paddedBatch(): { ids: tf.Tensor2D; mask: tf.Tensor2D } {
  return {
    ids: tf.tensor2d(
      [
        [1, 2, 3, 4],
        [5, 6, 0, 0],
      ],
      [2, 4],
      'int32',
    ),
    mask: tf.tensor2d(
      [
        [1, 1, 1, 1],
        [1, 1, 0, 0],
      ],
      [2, 4],
      'int32',
    ),
  };
}

/** Saves `model` with the architecture into `dir` and loads it back: the written `config.json` and the reloaded model (eval mode). */
export async function saveAndReload<C>(
  architecture: Architecture<C>,
  model: AnyModule,
  config: C,
  dir: string,
): Promise<{ written: Record<string, unknown>; back: AnyModule }> {
  await architecture.saveCheckpoint(dir, model, config);
  const written = JSON.parse(await fs.readFile(path.join(dir, 'config.json'), 'utf8'));
  const { model: back } = await architecture.loadCheckpoint(dir);
  return { written, back: back.eval() };
}
