import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AdamW,
  crossEntropy,
  enableGradientCheckpointing,
  getPeftModel,
  measurePeak,
  type PeftConfigInput,
  saveCheckpoint,
  setSeed,
  valueAndGrads,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import {
  forwardFlops,
  ReferenceEncoder,
  type ReferenceShape,
  referencePlacement,
} from './reference-model.js';

/** One benchmarked configuration: a name and the PEFT config applied to the reference model. */
export interface MethodCase {
  name: string;
  peft: PeftConfigInput;
}

export const METHOD_CASES: MethodCase[] = [
  { name: 'full', peft: { peftType: 'SELECTIVE', trainableModules: 'full', keepOriginals: false } },
  {
    name: 'lora-r8-qv',
    peft: {
      peftType: 'LORA',
      r: 8,
      loraAlpha: 16,
      targetRoles: ['attn.q', 'attn.v'],
      modulesToSave: ['classifier'],
    },
  },
  { name: 'ia3', peft: { peftType: 'IA3', modulesToSave: ['classifier'] } },
  {
    name: 'bottleneck-pfeiffer',
    peft: { peftType: 'BOTTLENECK', variant: 'pfeiffer', modulesToSave: ['classifier'] },
  },
  { name: 'bitfit', peft: { peftType: 'BITFIT', modulesToSave: ['classifier'] } },
];

export interface MethodResult {
  method: string;
  medianStepMs: number;
  stepsMs: number[];
  gflops: number;
  /** Gradient checkpointing on every encoder layer. */
  checkpointing: boolean;
  peakBytes: number;
  /** tfjs' figure: counts a buffer once per tensor handle (reshapes, clones, tape copies). */
  peakStepBytes: number;
  /** Distinct data buffers: the physical memory of the step. */
  peakStepBufferBytes: number;
  optimizerStateBytes: number;
  trainableParams: number;
  totalParams: number;
  adapterFileBytes: number;
  fullCheckpointBytes: number;
  tensorLeakPerStep: number;
}

async function dirBytes(dir: string): Promise<number> {
  let n = 0;
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    n += e.isDirectory() ? await dirBytes(p) : (await fs.stat(p)).size;
  }
  return n;
}

/** A prepared training step of one method on the reference model, on a fixed random batch. */
export interface PreparedStep {
  model: ReferenceEncoder;
  peft: ReturnType<typeof getPeftModel>;
  opt: AdamW;
  step(): void;
  dispose(): void;
}

/** Builds the reference model, applies `c.peft` (and gradient checkpointing), and returns an AdamW step on a fixed batch. */
export function prepareStep(
  shape: ReferenceShape,
  c: MethodCase,
  seed = 0,
  checkpointing = false,
): PreparedStep {
  setSeed(seed);
  const model = new ReferenceEncoder(shape);
  const peft = getPeftModel(model, c.peft, { placement: referencePlacement, warn: () => {} });
  if (checkpointing) enableGradientCheckpointing(model, referencePlacement);
  peft.train();
  const named = peft.namedParameters({ trainableOnly: true });
  const opt = new AdamW([{ params: named, lr: 1e-3 }], { weightDecay: 0.01 });
  const ids = tf.randomUniform([shape.batch, shape.seq], 0, shape.vocab, 'int32', 1 + seed);
  const labels = tf.randomUniform([shape.batch], 0, shape.classes, 'int32', 2 + seed);
  return {
    model,
    peft,
    opt,
    step: () => {
      const { value, grads } = valueAndGrads(named, () => crossEntropy(peft.call(ids), labels) as tf.Scalar);
      opt.step(grads);
      value.dataSync();
      value.dispose();
      for (const g of grads.values()) g.dispose();
    },
    dispose: () => {
      opt.dispose();
      tf.dispose([ids, labels]);
      peft.dispose();
    },
  };
}

/**
 * Times `prepareStep`'s training steps (the data pipeline is not part of what is measured). Peak
 * bytes come from one profiled step outside the timed ones, because profiling reads every
 * kernel's output back.
 */
export async function benchMethod(
  shape: ReferenceShape,
  c: MethodCase,
  options: { warmup: number; steps: number; checkpointing?: boolean },
): Promise<MethodResult> {
  const checkpointing = options.checkpointing ?? false;
  const { model, peft, opt, step, dispose } = prepareStep(shape, c, 0, checkpointing);

  for (let i = 0; i < options.warmup; i++) step();
  const before = tf.memory().numTensors;
  const stepsMs: number[] = [];
  for (let i = 0; i < options.steps; i++) {
    const t0 = performance.now();
    step();
    stepsMs.push(performance.now() - t0);
  }
  const tensorLeakPerStep = (tf.memory().numTensors - before) / options.steps;
  const peak = await measurePeak(step);

  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-bench-'));
  try {
    await peft.savePretrained(path.join(tmp, 'adapter'));
    await saveCheckpoint(path.join(tmp, 'full'), model, { model_type: 'reference-encoder' });
    const sorted = [...stepsMs].sort((a, b) => a - b);
    const medianStepMs = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
    const { trainable, total } = peft.getNbTrainableParameters();
    return {
      method: c.name,
      checkpointing,
      medianStepMs,
      stepsMs,
      gflops: (3 * forwardFlops(shape)) / (medianStepMs / 1000) / 1e9,
      peakBytes: peak.peakBytes,
      peakStepBytes: peak.peakNewBytes,
      peakStepBufferBytes: peak.peakNewBufferBytes,
      optimizerStateBytes: opt.stateBytes(),
      trainableParams: trainable,
      totalParams: total,
      adapterFileBytes: await dirBytes(path.join(tmp, 'adapter')),
      fullCheckpointBytes: await dirBytes(path.join(tmp, 'full')),
      tensorLeakPerStep,
    };
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
    dispose();
  }
}
