import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainSummary } from '../train/report/summary.js';
import { runToyCli } from './testing/toy-cli.js';

const cli = (argv: string[]) => runToyCli(argv);

let tmp: string;
beforeAll(async () => {
  process.env['PEFTKIT_BACKEND'] = 'cpu';
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-tune-lr-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const sweep = [
  '--set',
  'training.lrFinder.steps=40',
  '--set',
  'training.lrFinder.minLr=1e-5',
  '--set',
  'training.lrFinder.maxLr=10',
];

describe('peftkit tune-lr', () => {
  it('--json: the curve and the choice for the chosen method; full fine-tuning is swept with every parameter trainable', async () => {
    const run = async (method: string[], out: string) => {
      const r = await cli([
        'tune-lr',
        '--json',
        '--preset',
        'toy/basic',
        '--data',
        'toy:256?7',
        '--out',
        out,
        ...sweep,
        ...method,
      ]);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as {
        method: string;
        lr: number;
        rule: string;
        curve: { lr: number; loss: number; smoothed: number }[];
        files: string[];
        trainableParameters: number;
      };
    };
    const lora = await run([], path.join(tmp, 'lora'));
    const full = await run(['--set', 'peft=full'], path.join(tmp, 'full'));
    expect(lora.method).toBe('LORA r=2');
    expect(full.method).toBe('full fine-tuning');
    expect(lora.curve.length).toBeGreaterThanOrEqual(3);
    expect(lora.curve.length).toBeLessThanOrEqual(40);
    expect(lora.curve.map((p) => p.lr)).toContain(lora.rule === 'steepest' ? lora.lr : lora.lr * 10);
    // On this 2-feature MLP the trainable head dominates both curves, so the picks may coincide;
    // train/lr-finder/find-lr.test.ts shows LoRA and full choosing different rates on a transformer.
    expect(full.trainableParameters).toBeGreaterThan(lora.trainableParameters);
    expect(lora.files.map((f) => path.basename(f)).sort()).toEqual(['lr-finder.json', 'lr-finder.svg']);
    expect(await fs.readFile(lora.files.find((f) => f.endsWith('.svg'))!, 'utf8')).toMatch(/^<svg/);
  });

  it('prints a sparkline, a table and the choice for people', async () => {
    const r = await cli(['tune-lr', '--preset', 'toy/basic', '--out', path.join(tmp, 'text'), ...sweep]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/[▁▂▃▄▅▆▇█]{10,}/);
    expect(r.stdout).toMatch(/chosen lr\s+\d\.\d\de-?\d+ \((steepest|edge)/);
    expect(r.stdout).toMatch(/--set training\.lr=/);
  });
});

describe('training.lr: auto', () => {
  it('trains with the range test’s choice and records the curve in the run', async () => {
    const out = path.join(tmp, 'auto');
    const r = await cli([
      'train',
      '--json',
      '--preset',
      'toy/basic',
      '--out',
      out,
      '--set',
      'training.lr=auto',
      '--set',
      'training.logEvery=1',
      ...sweep,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/lr finder \(LORA r=2\): chose lr \d/);
    const finder = JSON.parse(await fs.readFile(path.join(out, 'lr-finder.json'), 'utf8')) as {
      suggestion: { lr: number };
    };
    const manifest = JSON.parse(await fs.readFile(path.join(out, 'peftkit-run.json'), 'utf8')) as {
      config: { training: { lr: number } };
    };
    expect(manifest.config.training.lr).toBe(finder.suggestion.lr);
    const html = await fs.readFile(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('Learning-rate range test (LORA r=2)');
    const lines = (await fs.readFile(path.join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    const first = JSON.parse(lines.find((l) => l.includes('"train"'))!) as { lr: number };
    // The preset's linear schedule decays from the chosen base lr.
    expect(first.lr).toBeLessThanOrEqual(finder.suggestion.lr);
    expect(first.lr).toBeGreaterThan(finder.suggestion.lr / 10);
    const summary = JSON.parse(await fs.readFile(path.join(out, 'summary.json'), 'utf8')) as TrainSummary;
    expect(summary.steps).toBe(4);
  });
});

describe('quality warnings in the CLI', () => {
  it('train and eval end with a WARNING paragraph when the model predicts only the majority class', async () => {
    const out = path.join(tmp, 'collapsed');
    const data = 'toy:400?3?1.8';
    const args = ['--preset', 'toy/basic', '--data', data, '--out', out, '--set', 'training.lr=1e-7'];
    const r = await cli(['train', ...args, '--set', 'training.maxSteps=10']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /\nWARNING: (the model predicts class neg \(0\) for every one|macro F1 [\d.]+ is at the majority-class baseline)/,
    );
    expect(r.stdout).toMatch(/eval classes: neg \(0\): \d+ \([\d.]+%\), pos \(1\): \d+/);
    const e = await cli(['eval', '--adapter', out, '--data', data]);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/\nWARNING: /);
  });
});
