import type { RngState } from '../../runtime/random.js';
import type { DataLoaderState } from '../data/data-loader.js';
import type { OptimizerHyper } from '../optim/optimizer.js';
import type { MonitorState } from './metric-monitor.js';

export const TRAINER_STATE_FORMAT = 'peftkit-trainer-state';
export const TRAINER_STATE_VERSION = 1;

/** Files of one checkpoint directory (besides the adapter files written by `saveAdapter`). */
export const TRAINER_CHECKPOINT_FILES = {
  state: 'trainer_state.json',
  optimizer: 'optimizer.safetensors',
  trainable: 'trainable.safetensors',
} as const;

/**
 * `trainer_state.json`: everything besides tensors that an exact resume needs, plus what a person
 * wants to know about the checkpoint. Plain JSON (NaN metrics are written as null).
 */
export interface TrainerStateFile {
  format: typeof TRAINER_STATE_FORMAT;
  version: number;
  /** Optimizer steps done. */
  step: number;
  /** Fractional epochs of data consumed (informative). */
  epoch: number;
  /** Where each loader is: seed, epoch, batches handed out in that epoch. */
  dataOrder: { train: DataLoaderState; eval: DataLoaderState | null };
  /** The process RNG (xoshiro128** words) after this step. */
  rng: RngState;
  /** Learning rate of each parameter group before the schedule's multiplier. */
  scheduleBaseLrs: number[];
  optimizer: { step: number; hyper: OptimizerHyper };
  monitor: MonitorState | null;
  lastEvalMetrics: Record<string, number | null> | null;
  lastEvalStep: number | null;
  /** Path of the newest `best` checkpoint, if any. */
  bestCheckpoint: string | null;
  elapsedSeconds: number;
  peakTensorBytes: number;
  trainableParameters: { path: string; shape: number[] }[];
  /** sha256 of `config`; `config` holds the settings that change the trajectory. */
  configHash: string;
  config: Record<string, unknown>;
  /** Settings that may change on resume (e.g. training longer); a change is reported, not refused. */
  softConfig: Record<string, unknown>;
}

/** Parses and sanity-checks `trainer_state.json`; errors name the file and the field. */
export function parseTrainerState(text: string, file: string): TrainerStateFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const s = raw as Partial<TrainerStateFile>;
  if (!s || typeof s !== 'object' || s.format !== TRAINER_STATE_FORMAT) {
    throw new Error(`${file}: not a peftkit trainer state (format should be '${TRAINER_STATE_FORMAT}')`);
  }
  if (s.version !== TRAINER_STATE_VERSION) {
    throw new Error(
      `${file}: unsupported version ${s.version} (this peftkit reads ${TRAINER_STATE_VERSION})`,
    );
  }
  const need = (ok: boolean, field: string) => {
    if (!ok) throw new Error(`${file}: field '${field}' is missing or malformed`);
  };
  need(Number.isInteger(s.step) && (s.step as number) >= 0, 'step');
  need(Array.isArray(s.rng) && s.rng.length === 4, 'rng');
  need(Array.isArray(s.scheduleBaseLrs), 'scheduleBaseLrs');
  need(!!s.optimizer && typeof s.optimizer === 'object' && !!s.optimizer.hyper, 'optimizer');
  need(!!s.dataOrder && !!s.dataOrder.train, 'dataOrder.train');
  need(typeof s.configHash === 'string' && !!s.config, 'configHash/config');
  need(Array.isArray(s.trainableParameters), 'trainableParameters');
  return s as TrainerStateFile;
}
