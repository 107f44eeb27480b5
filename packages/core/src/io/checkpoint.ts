import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { AnyModule, LoadStateDictReport } from '../nn/module.js';
import { writeDirAtomic, writeJsonAtomic } from './atomic-write.js';
import { exists, readJsonObject } from './read-json.js';
import { loadSafetensors } from './safetensors.js';
import type { SafetensorsFloatDtype } from './safetensors-dtypes.js';
import { saveSafetensors } from './safetensors-writer.js';
import { disposeAll, loadTorchStateDict, toTorchStateDict } from './torch-state-dict.js';

/** File names of a Hugging Face style checkpoint directory. */
export const CHECKPOINT_FILES = {
  config: 'config.json',
  weights: 'model.safetensors',
  weightsIndex: 'model.safetensors.index.json',
} as const;

export interface SaveCheckpointOptions {
  /** Extra `__metadata__` entries; `format: 'pt'` is always set (HF loaders check it). */
  metadata?: Record<string, string>;
  /** File dtype for float tensors (default F32). */
  dtype?: SafetensorsFloatDtype;
  /** Key prefix in the file (see `toTorchStateDict`). */
  prefix?: string;
  /**
   * Replace the whole directory atomically (`writeDirAtomic`) instead of writing the two files
   * atomically one by one. Use it for directories peftkit owns (trainer checkpoints), where a
   * config must never be paired with another run's weights. It deletes any other file in `dir`.
   */
  atomicDir?: boolean;
}

/**
 * Saves `module` as a Hugging Face style checkpoint directory: `config.json` (pretty JSON) and
 * `model.safetensors` (PyTorch layout, `__metadata__.format = 'pt'`). Each file is written
 * atomically, weights first, so a crash never leaves a new config beside missing weights; other
 * files in `dir` (tokenizers, READMEs) are left alone unless `atomicDir` is set.
 *
 * @example
 * await saveCheckpoint('runs/base', model, { model_type: 'tiny-bert', hidden_size: 64 });
 */
export async function saveCheckpoint(
  dir: string,
  module: AnyModule,
  config: object,
  options: SaveCheckpointOptions = {},
): Promise<void> {
  const metadata = { ...options.metadata, format: 'pt' };
  const tensors = toTorchStateDict(module, { prefix: options.prefix });
  const write = async (target: string) => {
    await saveSafetensors(path.join(target, CHECKPOINT_FILES.weights), tensors, metadata, {
      dtype: options.dtype,
    });
    await writeJsonAtomic(path.join(target, CHECKPOINT_FILES.config), config);
  };
  try {
    if (options.atomicDir) await writeDirAtomic(dir, write);
    else {
      await fs.mkdir(dir, { recursive: true });
      await write(dir);
    }
  } finally {
    disposeAll(tensors);
  }
}

/** What `loadCheckpoint` returns. The caller owns (and must dispose) the tensors. */
export interface LoadedCheckpoint {
  config: Record<string, unknown>;
  /** PyTorch-layout tensors by file key. */
  tensors: Map<string, tf.Tensor>;
  /** `__metadata__` of the weights file (of the first shard, for sharded checkpoints). */
  metadata: Record<string, string>;
}

/**
 * Reads a checkpoint directory: `config.json` plus `model.safetensors`, or, when that is absent,
 * the shards listed in `model.safetensors.index.json` (`weight_map`), as Hugging Face writes for
 * large models. Like `transformers`, a single weights file wins over an index.
 */
export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const stat = await fs.stat(dir).catch(() => undefined);
  if (!stat) throw new Error(`checkpoint ${dir}: directory not found`);
  if (!stat.isDirectory()) throw new Error(`checkpoint ${dir}: not a directory`);
  const configPath = path.join(dir, CHECKPOINT_FILES.config);
  if (!(await exists(configPath))) {
    throw new Error(`checkpoint ${dir}: missing ${CHECKPOINT_FILES.config}`);
  }
  const config = await readJsonObject(configPath, 'checkpoint config');

  const single = path.join(dir, CHECKPOINT_FILES.weights);
  if (await exists(single)) {
    const { tensors, metadata } = await loadSafetensors(single);
    return { config, tensors, metadata };
  }
  const index = path.join(dir, CHECKPOINT_FILES.weightsIndex);
  if (await exists(index)) return { config, ...(await loadSharded(dir, index)) };

  const legacy = (await exists(path.join(dir, 'pytorch_model.bin')))
    ? ' (found pytorch_model.bin: pickle files cannot be read here; convert it to safetensors)'
    : '';
  throw new Error(
    `checkpoint ${dir}: missing weights: neither ${CHECKPOINT_FILES.weights} nor ${CHECKPOINT_FILES.weightsIndex}${legacy}`,
  );
}

async function loadSharded(
  dir: string,
  indexPath: string,
): Promise<{ tensors: Map<string, tf.Tensor>; metadata: Record<string, string> }> {
  const index = await readJsonObject(indexPath, 'checkpoint weight index');
  const weightMap = index['weight_map'];
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new Error(
      `checkpoint weight index ${indexPath}: 'weight_map' must be an object of key -> shard file`,
    );
  }
  const byShard = new Map<string, string[]>();
  for (const [key, shard] of Object.entries(weightMap)) {
    if (typeof shard !== 'string') {
      throw new Error(`checkpoint weight index ${indexPath}: weight_map['${key}'] must be a file name`);
    }
    const resolved = path.resolve(dir, shard);
    // A shard name is a file in the checkpoint; refuse paths that reach outside it.
    if (path.relative(path.resolve(dir), resolved).startsWith('..') || path.isAbsolute(shard)) {
      throw new Error(`checkpoint weight index ${indexPath}: shard '${shard}' lies outside ${dir}`);
    }
    const keys = byShard.get(shard) ?? [];
    keys.push(key);
    byShard.set(shard, keys);
  }
  const tensors = new Map<string, tf.Tensor>();
  let metadata: Record<string, string> | undefined;
  try {
    for (const [shard, keys] of byShard) {
      const file = path.join(dir, shard);
      if (!(await exists(file))) {
        throw new Error(
          `checkpoint ${dir}: shard '${shard}' listed in ${CHECKPOINT_FILES.weightsIndex} is missing`,
        );
      }
      const loaded = await loadSafetensors(file, { keys }).catch((err: Error) => {
        throw new Error(`checkpoint ${dir}: shard '${shard}': ${err.message}`, { cause: err });
      });
      metadata ??= loaded.metadata;
      for (const [k, t] of loaded.tensors) tensors.set(k, t);
    }
  } catch (err) {
    disposeAll(tensors);
    throw err;
  }
  return { tensors, metadata: metadata ?? {} };
}

export interface LoadCheckpointIntoOptions {
  /** Report missing/unexpected keys as an error (default true). */
  strict?: boolean;
  /** Key prefix of the module's weights in the file. */
  prefix?: string;
}

/**
 * Loads a checkpoint directory into an existing module (PyTorch layout converted to memory
 * layout). Returns the config and the load report; file tensors are disposed.
 */
export async function loadCheckpointInto(
  dir: string,
  module: AnyModule,
  options: LoadCheckpointIntoOptions = {},
): Promise<{ config: Record<string, unknown>; report: LoadStateDictReport }> {
  const { config, tensors } = await loadCheckpoint(dir);
  try {
    const report = loadTorchStateDict(module, tensors, options);
    return { config, report };
  } catch (err) {
    throw new Error(`checkpoint ${dir}: ${(err as Error).message}`, { cause: err });
  } finally {
    disposeAll(tensors);
  }
}
