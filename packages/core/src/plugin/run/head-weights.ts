import type * as tf from '@tensorflow/tfjs';
import { loadSafetensors } from '../../io/safetensors.js';
import { saveSafetensors } from '../../io/safetensors-writer.js';
import { disposeAll, loadTorchStateDict, toTorchStateDict } from '../../io/torch-state-dict.js';
import type { HeadedModel } from '../head.js';

/** Writes the head's modules (PyTorch layout, keys `<headPath>.<param>`) to one safetensors file. */
export async function saveHeadWeights(file: string, headed: HeadedModel): Promise<void> {
  const all = new Map<string, tf.Tensor>();
  try {
    for (const p of headed.headPaths) {
      for (const [k, t] of toTorchStateDict(headed.model.getSubmodule(p), { prefix: p })) all.set(k, t);
    }
    await saveSafetensors(file, all, { format: 'pt', content: 'peftkit-head' });
  } finally {
    disposeAll(all);
  }
}

/** Loads a file written by `saveHeadWeights` into the head's modules (strict). */
export async function loadHeadWeights(file: string, headed: HeadedModel): Promise<void> {
  const { tensors } = await loadSafetensors(file);
  try {
    for (const p of headed.headPaths) {
      const own = new Map([...tensors].filter(([k]) => k.startsWith(`${p}.`)));
      loadTorchStateDict(headed.model.getSubmodule(p), own, { prefix: p });
    }
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
  } finally {
    disposeAll(tensors);
  }
}
