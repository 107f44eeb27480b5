import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReportHtml } from './html-report.js';
import { MetricsLog, type MetricsRecord } from './metrics-log.js';
import type { TrainSummary } from './summary.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-report-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const train = (step: number, loss: number): MetricsRecord => ({
  type: 'train',
  step,
  epoch: step / 10,
  loss,
  lr: 0.001,
  gradNorm: 1,
  itPerSec: 5,
  elapsedSeconds: step / 5,
  tensorBytes: 1000,
});

describe('report.html', () => {
  it('is one self-contained page with a chart per quantity and eval metric', () => {
    const records: MetricsRecord[] = [
      train(10, 1.2),
      train(20, 0.9),
      { type: 'eval', step: 20, epoch: 2, metrics: { loss: 1, accuracy: 0.7, auroc: null } },
      train(30, 0.7),
      { type: 'eval', step: 30, epoch: 3, metrics: { loss: 0.8, accuracy: 0.8, auroc: 0.9 } },
    ];
    const summary = {
      trainableParameters: 1000,
      totalParameters: 100000,
      steps: 30,
      epochs: 3,
      wallTimeSeconds: 75,
      resumedFromStep: null,
      bestMetric: { name: 'loss', mode: 'min', value: 0.8, step: 30 },
      finalMetrics: { loss: 0.8, accuracy: 0.8 },
      finalTrainLoss: 0.7,
      backend: 'wasm',
      peakTensorBytes: 3 * 2 ** 20,
      optimizerStateBytes: 8000,
      stoppedEarly: false,
      reason: 'epochs',
      message: 'completed 3 epoch(s)',
      outputDir: '/runs/x',
      checkpoints: { last: '/runs/x/checkpoints/last', best: null },
      evalClassDistribution: null,
      schedule: { kind: 'constant', warmupSteps: 0, warmupRatio: null, totalSteps: 4, rederivedFrom: null },
      warnings: [],
    } satisfies TrainSummary;
    const html = renderReportHtml({ title: 'LoRA <demo>', records, summary });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|src="http|href="http/);
    expect(html).toContain('<title>LoRA &#60;demo&#62;</title>');
    expect(html.match(/<svg /g)).toHaveLength(5); // loss, lr, grad norm, accuracy, auroc
    expect(html).toContain('data-name="eval loss"');
    expect(html).toContain('Eval accuracy');
    expect(html).toContain('1,000 trainable of 100,000');
    expect(html).toContain('3.00 MiB');
    expect(html).toContain('wasm');
    // The auroc chart has a gap for the null (NaN) value: one M for one finite point.
    const auroc = /data-name="auroc" d="([^"]*)"/.exec(html)![1]!;
    expect(auroc.match(/[ML]/g)).toEqual(['M']);
  });
});

describe('report.html sections', () => {
  it('adds titled sections with metric rows and inline SVG figures after the training charts', () => {
    const svg =
      '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><title>Pole angle</title></svg>';
    const html = renderReportHtml({
      title: 'run',
      records: [train(10, 1)],
      sections: [
        {
          title: 'Evaluation: x/<rollout>',
          rows: [['pc_success', '75']],
          figures: [{ caption: 'pole-angle.svg', svg }],
        },
      ],
    });
    const at = html.indexOf('<h2>Evaluation: x/&#60;rollout&#62;</h2>');
    expect(at).toBeGreaterThan(html.lastIndexOf('Gradient norm'));
    expect(html.slice(at)).toContain('<tr><th>pc_success</th><td>75</td></tr>');
    expect(html.slice(at)).toContain(
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><title>Pole angle</title></svg>',
    );
    expect(html).toContain('<figcaption>pole-angle.svg</figcaption>');
    expect(html).not.toContain('<?xml');
    expect(html.match(/<svg /g)).toHaveLength(4); // loss, lr, grad norm + the figure
  });
});

describe('MetricsLog', () => {
  it('reads back a finished log, skipping a torn last line', async () => {
    const file = path.join(tmp, 'read.jsonl');
    await fs.writeFile(file, `${JSON.stringify(train(1, 2))}\n${JSON.stringify(train(2, 1))}\n{"type": "tr`);
    expect((await MetricsLog.read(file)).map((r) => r.step)).toEqual([1, 2]);
  });

  it('appends JSON lines; on resume keeps lines up to the checkpoint step and drops a torn tail', async () => {
    const file = path.join(tmp, 'metrics.jsonl');
    const log = await MetricsLog.open(file);
    for (const s of [10, 20, 30]) await log.append(train(s, 1 / s));
    await fs.appendFile(file, '{"type":"train","st'); // killed mid-write
    const resumed = await MetricsLog.open(file, 20);
    expect(resumed.records.map((r) => r.step)).toEqual([10, 20]);
    await resumed.append(train(30, 0.5));
    const lines = (await fs.readFile(file, 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).step)).toEqual([10, 20, 30]);
    const fresh = await MetricsLog.open(file);
    expect(fresh.records).toEqual([]);
    expect(await fs.readFile(file, 'utf8')).toBe('');
  });
});
