import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { writeDirAtomic, writeJsonAtomic } from '../../io/atomic-write.js';
import { exists } from '../../io/read-json.js';
import { loadSafetensors } from '../../io/safetensors.js';
import { saveSafetensors } from '../../io/safetensors-writer.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { NamedParameter } from '../param-groups.js';
import { parseTrainerState, TRAINER_CHECKPOINT_FILES, type TrainerStateFile } from './trainer-state.js';

/** What a checkpoint holds besides `trainer_state.json`. */
export interface CheckpointContents {
  named: readonly NamedParameter[];
  optimizer: Optimizer;
  /** Writes the adapter files (HF PEFT layout) into the directory. */
  saveAdapter?: ((dir: string) => Promise<void>) | undefined;
  /** Built after the optimizer state is read, so both describe the same moment. */
  state: (optimizerStep: number, hyper: TrainerStateFile['optimizer']['hyper']) => TrainerStateFile;
}

/**
 * Writes a complete checkpoint directory atomically: everything goes into a temp sibling, which
 * then replaces `dir`. A crash mid-save leaves the previous `dir` intact (or, in the instant
 * between the two renames, in `.<name>.old-*` beside it).
 */
export async function writeTrainerCheckpoint(dir: string, c: CheckpointContents): Promise<void> {
  await writeDirAtomic(dir, async (tmp) => {
    if (c.saveAdapter) await c.saveAdapter(tmp);
    const trainable = new Map<string, tf.Tensor>(c.named.map(([p, param]) => [p, param.variable]));
    await saveSafetensors(path.join(tmp, TRAINER_CHECKPOINT_FILES.trainable), trainable, {
      format: 'peftkit-trainable',
    });
    const opt = c.optimizer.getState();
    try {
      await saveSafetensors(path.join(tmp, TRAINER_CHECKPOINT_FILES.optimizer), opt.tensors, {
        format: 'peftkit-optimizer',
        kind: opt.hyper.kind,
      });
    } finally {
      for (const t of opt.tensors.values()) t.dispose();
    }
    await writeJsonAtomic(path.join(tmp, TRAINER_CHECKPOINT_FILES.state), c.state(opt.step, opt.hyper));
  });
}

/**
 * The checkpoint directory meant by `resumeFrom`: the directory itself if it holds
 * `trainer_state.json`, else `<dir>/checkpoints/last`.
 */
export async function resolveCheckpointDir(resumeFrom: string): Promise<string> {
  const direct = path.join(resumeFrom, TRAINER_CHECKPOINT_FILES.state);
  if (await exists(direct)) return resumeFrom;
  const last = path.join(resumeFrom, 'checkpoints', 'last');
  if (await exists(path.join(last, TRAINER_CHECKPOINT_FILES.state))) return last;
  throw new Error(
    `resumeFrom: no ${TRAINER_CHECKPOINT_FILES.state} in ${resumeFrom} or ${last}; ` +
      'point it at a checkpoint directory or at a run output directory',
  );
}

export async function readTrainerState(dir: string): Promise<TrainerStateFile> {
  const file = path.join(dir, TRAINER_CHECKPOINT_FILES.state);
  return parseTrainerState(await fs.readFile(file, 'utf8'), file);
}

/**
 * Copies the saved trainable parameters into `named`. Strict: every parameter must be in the
 * file with the same shape, and the file may hold nothing else; all problems are listed at once.
 */
export async function restoreTrainable(dir: string, named: readonly NamedParameter[]): Promise<void> {
  const file = path.join(dir, TRAINER_CHECKPOINT_FILES.trainable);
  const { tensors } = await loadSafetensors(file);
  try {
    const problems: string[] = [];
    const wanted = new Set(named.map(([p]) => p));
    for (const [p, param] of named) {
      const t = tensors.get(p);
      if (!t) problems.push(`missing '${p}'`);
      else if (t.shape.join(',') !== param.shape.join(',')) {
        problems.push(`'${p}' is [${t.shape}] in the file, [${param.shape}] in the model`);
      }
    }
    for (const k of tensors.keys()) if (!wanted.has(k)) problems.push(`unexpected '${k}'`);
    if (problems.length) {
      throw new Error(`resume: ${file} does not match the trainable parameters: ${problems.join('; ')}`);
    }
    for (const [p, param] of named) param.assign(tensors.get(p) as tf.Tensor);
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}

/** Restores optimizer moments and step counts from the checkpoint. */
export async function restoreOptimizer(
  dir: string,
  optimizer: Optimizer,
  saved: TrainerStateFile['optimizer'],
): Promise<void> {
  const { tensors } = await loadSafetensors(path.join(dir, TRAINER_CHECKPOINT_FILES.optimizer));
  try {
    optimizer.setState({ step: saved.step, hyper: saved.hyper, tensors });
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}
