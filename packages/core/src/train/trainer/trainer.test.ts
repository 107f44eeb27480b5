import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PeftModel } from '../../peft/peft-model.js';
import { TinyBert } from '../../peft/testing/tiny-bert.js';
import { setSeed } from '../../runtime/random.js';
import type { MetricsRecord } from '../report/metrics-log.js';
import type { TrainSummary } from '../report/summary.js';
import type { StepLogs } from './callbacks.js';
import { evalStep, loaders, lossFn, makeModel, snapshotTrainable, tempDir } from './testing/toy-task.js';
import { fit } from './trainer.js';

let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await tempDir('trainer');
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const readJsonl = async (file: string): Promise<MetricsRecord[]> =>
  (await fs.readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as MetricsRecord);

describe('fit', () => {
  it('trains, evaluates, checkpoints and reports', async () => {
    const model = makeModel();
    const frozenBefore = model
      .namedParameters()
      .filter(([, p]) => !p.trainable)
      .map(([k, p]) => [k, p.variable.dataSync().slice()] as const);
    const { train, eval: ev } = loaders();
    const out = path.join(tmp, 'basic');
    const steps: StepLogs[] = [];
    const checkpoints: string[] = [];
    const summary = await fit({
      model,
      train,
      eval: ev,
      loss: lossFn,
      evalStep,
      metrics: ['accuracy', 'macro_f1'],
      optimizer: { name: 'adamw', lr: 0.05, weightDecay: 0.01 },
      schedule: { kind: 'linear', warmupRatio: 0.1 },
      epochs: 8,
      logEvery: 3,
      outputDir: out,
      progress: 'none',
      callbacks: [
        { onStepEnd: (_s, logs) => void steps.push(logs), onCheckpoint: (dir) => void checkpoints.push(dir) },
      ],
    });
    expect(summary.steps).toBe(48);
    expect(summary.epochs).toBe(8);
    expect(summary.reason).toBe('epochs');
    expect(summary.stoppedEarly).toBe(false);
    expect(steps.map((s) => s.step)).toEqual(Array.from({ length: 48 }, (_, i) => i + 1));
    // Warmup: ceil(0.1 * 48) = 5 steps from lr 0, then linear decay to 0.
    expect(steps[0]!.lr).toBe(0);
    expect(steps[4]!.lr).toBeCloseTo(0.05 * (4 / 5), 10);
    expect(steps[5]!.lr).toBeCloseTo(0.05, 10);
    expect(steps[47]!.lr).toBeCloseTo(0.05 * (1 / 43), 10);
    const early = steps.slice(0, 6).reduce((a, s) => a + s.loss, 0) / 6;
    const late = steps.slice(-6).reduce((a, s) => a + s.loss, 0) / 6;
    expect(late).toBeLessThan(early * 0.7);
    expect(summary.finalMetrics?.['accuracy']).toBeGreaterThan(0.6);

    // The frozen base never moves.
    for (const [k, before] of frozenBefore) {
      const p = model.namedParameters().find(([n]) => n === k)![1];
      expect(Array.from(p.variable.dataSync())).toEqual(Array.from(before));
    }

    // Files.
    const s = JSON.parse(await fs.readFile(path.join(out, 'summary.json'), 'utf8')) as TrainSummary;
    expect(s.backend).toBe('cpu');
    expect(s.trainableParameters).toBe(model.getNbTrainableParameters().trainable);
    expect(s.totalParameters).toBe(model.getNbTrainableParameters().total);
    expect(s.peakTensorBytes).toBeGreaterThan(0);
    expect(s.optimizerStateBytes).toBe(2 * 4 * s.trainableParameters);
    expect(s.bestMetric).toMatchObject({ name: 'loss', mode: 'min' });
    const records = await readJsonl(path.join(out, 'metrics.jsonl'));
    const trainLines = records.filter((r) => r.type === 'train');
    const evalLines = records.filter((r) => r.type === 'eval');
    expect(trainLines.map((r) => r.step)).toEqual(Array.from({ length: 16 }, (_, i) => 3 * (i + 1)));
    expect(evalLines.map((r) => r.step)).toEqual([6, 12, 18, 24, 30, 36, 42, 48]);
    expect(Object.keys(evalLines[0]!.type === 'eval' ? evalLines[0]!.metrics : {}).sort()).toEqual([
      'accuracy',
      'loss',
      'macro_f1',
    ]);
    const t0 = trainLines[0]!;
    if (t0.type === 'train') {
      expect(t0.loss).toBeCloseTo((steps[0]!.loss + steps[1]!.loss + steps[2]!.loss) / 3, 6);
      expect(t0.itPerSec).toBeGreaterThan(0);
      expect(t0.gradNorm).toBeGreaterThan(0);
    }
    const html = await fs.readFile(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('Eval accuracy');

    // Checkpoints: one `last` per epoch, `best` on improvement; adapter files + trainer files.
    expect(checkpoints.filter((d) => d.endsWith('last'))).toHaveLength(8);
    for (const kind of ['last', 'best']) {
      const files = (await fs.readdir(path.join(out, 'checkpoints', kind))).sort();
      expect(files).toEqual([
        'adapter_config.json',
        'adapter_model.safetensors',
        'optimizer.safetensors',
        'peftkit.json',
        'trainable.safetensors',
        'trainer_state.json',
      ]);
    }
    expect((await fs.readdir(path.join(out, 'checkpoints'))).sort()).toEqual(['best', 'last']);
    const state = JSON.parse(
      await fs.readFile(path.join(out, 'checkpoints', 'last', 'trainer_state.json'), 'utf8'),
    );
    expect(state).toMatchObject({
      step: 48,
      dataOrder: { train: { epoch: 8, position: 0, numExamples: 48 } },
    });
    expect(state.configHash).toMatch(/^[0-9a-f]{64}$/);

    // `last` holds the final adapter: loading it reproduces the trained model's outputs.
    setSeed(0); // the same base weights, as a new process loading the base checkpoint would have
    const reloaded = await PeftModel.fromPretrained(new TinyBert(), path.join(out, 'checkpoints', 'last'));
    const x = tf.tensor2d([[1, 7, 13, 2]], [1, 4], 'int32');
    model.eval();
    const a = model.call(x);
    const b = reloaded.call(x);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b]);
  });

  it('stops early when the monitored metric stalls, keeping the best checkpoint', async () => {
    const model = makeModel();
    const { train, eval: ev } = loaders();
    const out = path.join(tmp, 'early');
    const summary = await fit({
      model,
      train,
      eval: ev,
      loss: lossFn,
      evalStep,
      metrics: ['accuracy'],
      // A huge minDelta: no evaluation can count as an improvement after the first.
      earlyStopping: { metric: 'accuracy', mode: 'max', patience: 2, minDelta: 10 },
      optimizer: { lr: 0.01 },
      epochs: 20,
      evalEvery: { steps: 2 },
      outputDir: out,
      progress: 'none',
    });
    expect(summary.reason).toBe('early_stopping');
    expect(summary.stoppedEarly).toBe(true);
    expect(summary.steps).toBe(6);
    expect(summary.bestMetric?.name).toBe('accuracy');
    const best = JSON.parse(
      await fs.readFile(path.join(out, 'checkpoints', 'best', 'trainer_state.json'), 'utf8'),
    );
    expect(best.step).toBe(summary.bestMetric?.step);
    expect(best.monitor).toMatchObject({ metric: 'accuracy', mode: 'max' });
  });

  it('lets a callback stop the run cleanly, and saves `last` at that step', async () => {
    const model = makeModel();
    const { train } = loaders();
    const out = path.join(tmp, 'callback-stop');
    const summary = await fit({
      model,
      train,
      loss: lossFn,
      maxSteps: 100,
      outputDir: out,
      progress: 'none',
      callbacks: [
        { onStepEnd: (step, _l, control) => (step === 4 ? control.requestStop('enough') : undefined) },
      ],
    });
    expect(summary).toMatchObject({ steps: 4, reason: 'callback', message: 'enough', stoppedEarly: true });
    const state = JSON.parse(
      await fs.readFile(path.join(out, 'checkpoints', 'last', 'trainer_state.json'), 'utf8'),
    );
    expect(state.step).toBe(4);
    expect(state.dataOrder.train).toMatchObject({ epoch: 0, position: 4 });
  });

  it('trains only the given parameters and rejects bad options with the option name', async () => {
    const model = makeModel();
    const { train } = loaders();
    const all = model.namedParameters({ trainableOnly: true });
    const onlyHead = all.filter(([p]) => p.includes('classifier'));
    const before = snapshotTrainable(model);
    await fit({ model, train, loss: lossFn, maxSteps: 2, trainableParameters: onlyHead, progress: 'none' });
    const after = snapshotTrainable(model);
    for (const [p] of all) {
      const moved = Array.from(after.get(p)!).some((v, i) => v !== before.get(p)![i]);
      expect(moved).toBe(p.includes('classifier'));
    }
    await expect(fit({ model, train, loss: lossFn })).rejects.toThrow(/give epochs or maxSteps/);
    await expect(
      fit({ model, train, loss: lossFn, epochs: 1, schedule: { kind: 'linear' }, maxGradNorm: 0 }),
    ).rejects.toThrow(/maxGradNorm/);
    await expect(fit({ model, train, loss: lossFn, epochs: 1, metrics: ['accuracy'] })).rejects.toThrow(
      /evalStep/,
    );
    await expect(
      fit({ model, train, loss: lossFn, epochs: 1, gradientAccumulationSteps: 0 }),
    ).rejects.toThrow(/gradientAccumulationSteps must be an integer >= 1/);
    await expect(
      fit({
        model,
        train,
        loss: lossFn,
        maxSteps: 1,
        optimizer: { loraplusLrRatio: 4 },
        trainableParameters: onlyHead,
      }),
    ).rejects.toThrow(/no parameter matched the LoRA B test/);
  });

  it('applies the LoRA+ learning rate to B matrices', async () => {
    const model = makeModel();
    const { train } = loaders();
    const seen: number[][] = [];
    await fit({
      model,
      train,
      loss: lossFn,
      maxSteps: 1,
      optimizer: { lr: 0.01, loraplusLrRatio: 16 },
      progress: 'none',
      callbacks: [{ onStepEnd: (_s, logs) => void seen.push(logs.lrs) }],
    });
    // Groups: A (decay), A_no_decay (biases of the saved classifier), B.
    expect(seen[0]).toEqual([0.01, 0.01, 0.16]);
  });
});
