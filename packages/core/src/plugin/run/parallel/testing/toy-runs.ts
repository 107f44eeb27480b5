import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import type { TrainerCallback } from '../../../../train/trainer/callbacks.js';
import { createPeftkit, type PeftkitHost } from '../../../peftkit-host.js';
import { resolveRunConfig } from '../../../run-config/resolve.js';
import { toyPlugin } from '../../../testing/toy-plugin.js';
import { type TrainRunResult, trainRun } from '../../train-run.js';
import failingHeadPlugin from './worker-failing-head-plugin.js';

/** Trainable weights by parameter path, read at the end of training. */
export type Weights = Map<string, Float32Array>;

/** What one toy run left behind. */
export interface ToyRun {
  readonly result: TrainRunResult;
  readonly weights: Weights;
  /** `tf.memory().numTensors` of the main thread after each optimizer step. */
  readonly tensors: number[];
  readonly out: string;
}

/** Options of one toy run: run-config sections over the `toy/basic` preset, and how to stop. */
export interface ToyRunOptions {
  readonly training?: Record<string, unknown>;
  readonly peft?: unknown;
  readonly head?: unknown;
  readonly data?: unknown;
  /** Resume the run in this output dir. */
  readonly resumeOf?: string;
  /** Interrupt (as SIGINT does) after this optimizer step. */
  readonly stopAfter?: number;
}

/**
 * Runs `trainRun` on the toy plugin (and the `toy-fail` head plugin), both loaded from their
 * module files so worker threads can load them too. One instance per test file.
 */
export class ToyRuns {
  private runs = 0;

  private constructor(
    readonly host: PeftkitHost,
    readonly dir: string,
  ) {}

  static async create(): Promise<ToyRuns> {
    await tf.setBackend('cpu');
    const here = path.dirname(fileURLToPath(import.meta.url));
    const host = await createPeftkit({
      plugins: [
        { plugin: toyPlugin, source: { entry: path.join(here, '../../../testing/toy-plugin-module.ts') } },
        { plugin: failingHeadPlugin, source: { entry: path.join(here, 'worker-failing-head-plugin.ts') } },
      ],
    });
    return new ToyRuns(host, await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-dp-')));
  }

  async train(o: ToyRunOptions = {}): Promise<ToyRun> {
    const config = resolveRunConfig({
      preset: this.host.presets.get('toy/basic'),
      layers: [
        {
          name: 'test',
          value: {
            training: { schedule: 'constant', ...o.training },
            ...(o.peft !== undefined ? { peft: o.peft } : {}),
            ...(o.head !== undefined ? { head: o.head } : {}),
            ...(o.data !== undefined ? { data: o.data } : {}),
          },
        },
      ],
    }).config;
    const out = o.resumeOf ?? path.join(this.dir, `run-${this.runs++}`);
    const weights: Weights = new Map();
    const tensors: number[] = [];
    const controller = new AbortController();
    const capture: TrainerCallback = {
      onTrainBegin: (info) => {
        capture.onTrainEnd = () => {
          for (const [name, p] of info.model.namedParameters({ trainableOnly: true }))
            weights.set(name, p.variable.dataSync() as Float32Array);
        };
      },
      onStepEnd: (step) => {
        tensors.push(tf.memory().numTensors);
        if (step === o.stopAfter) controller.abort(new Error('test stop'));
      },
    };
    const result = await trainRun(this.host, {
      config,
      outDir: out,
      progress: 'none',
      log: () => undefined,
      callbacks: [capture],
      signal: controller.signal,
      ...(o.resumeOf ? { resumeFrom: out } : {}),
    });
    return { result, weights, tensors, out };
  }

  async dispose(): Promise<void> {
    await fs.rm(this.dir, { recursive: true, force: true });
  }
}

/** Largest difference of any weight relative to its tensor's largest magnitude. */
export function worstRelativeDifference(a: Weights, b: Weights): number {
  let worst = 0;
  for (const [name, x] of a) {
    const y = b.get(name);
    if (!y || y.length !== x.length) return Number.POSITIVE_INFINITY;
    let diff = 0;
    let norm = 0;
    for (let i = 0; i < x.length; i++) {
      diff = Math.max(diff, Math.abs((x[i] as number) - (y[i] as number)));
      norm = Math.max(norm, Math.abs(x[i] as number));
    }
    worst = Math.max(worst, diff / Math.max(norm, 1e-12));
  }
  return a.size === b.size ? worst : Number.POSITIVE_INFINITY;
}
