import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { visionPlugin } from '@peftkit/vision';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliStep } from '../cli-step.js';
import { ROOT } from '../demo-cli.js';
import { runDemo } from '../dispatch.js';
import { DEMOS } from '../registry.js';
import { writeResultsSection } from '../results-file.js';
import { biomeFormatted, captureDemo, fingerprint, resolveBothWays } from '../testing/helpers.js';
import type { VisionDemoBudget } from './config.js';
import { visionDemoMain } from './main.js';
import { DEMO_METHODS, type DemoMethod } from './methods.js';
import type { VisionDemoReport } from './pipeline.js';
import { renderMarkdown, renderText } from './render.js';

const RESULTS = path.join(ROOT, 'docs', 'results.md');

/** A few steps per method on a few hundred digits: the whole pipeline, not the numbers. */
const TINY: VisionDemoBudget = {
  pretrainSteps: 6,
  adaptSteps: 4,
  batchSize: 16,
  limitPerDigit: 30,
  targetTrain: 0.4,
  targetVal: 0.2,
  seed: 7,
};

const PREFIX: DemoMethod = {
  id: 'prefix',
  label: 'prefix tuning',
  set: ['peft={peftType: PREFIX_TUNING, numVirtualTokens: 4}'],
};

let tmp: string;
let before: string;
let report: VisionDemoReport & { resultsFile: string | null };
let stderr: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-demo-vision-'));
  before = await fingerprint(RESULTS);
  // The real entry point with --json, a temp work dir and a temp results file.
  const run = await captureDemo(() =>
    visionDemoMain(
      ['--json', '--work', path.join(tmp, 'work'), '--results', path.join(tmp, 'results.md')],
      // A ResNet has no attention for prefix tuning to attach to: that row must be skipped, not fail.
      { budget: TINY, methods: [...DEMO_METHODS, PREFIX], progress: 'none' },
    ),
  );
  expect(run.code, run.stderr).toBe(0);
  report = JSON.parse(run.stdout);
  stderr = run.stderr;
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('pnpm demo vision (tiny budget)', () => {
  it('scores every method on the held-out target test split', () => {
    expect(report.results.map((r) => r.id)).toEqual([...DEMO_METHODS.map((m) => m.id), 'prefix']);
    for (const r of report.results.filter((x) => x.id !== 'prefix')) {
      // The ResNet hosts every method, so nothing may be skipped here.
      expect(r.status, `${r.id}: ${r.reason ?? ''}`).toBe('ok');
      expect(Number.isFinite(r.accuracy)).toBe(true);
      expect(r.accuracy).toBeGreaterThanOrEqual(0);
      expect(r.accuracy).toBeLessThanOrEqual(1);
      expect(Number.isFinite(r.macroF1)).toBe(true);
      expect(r.weightBytes).toBeGreaterThan(0);
    }
    const byId = new Map(report.results.map((r) => [r.id, r]));
    expect(byId.get('zero-shot')?.trainableParameters).toBe(0);
    expect(byId.get('full')?.trainableParameters).toBe(byId.get('full')?.totalParameters);
    // Adapters ship far less than the whole model.
    expect(byId.get('lora')?.weightBytes).toBeLessThan(byId.get('full')?.weightBytes ?? 0);
    expect(report.target.counts.test).toBeGreaterThan(0);
    const prefix = byId.get('prefix');
    expect(prefix?.status).toBe('skipped');
    expect(prefix?.reason).toContain('PREFIX_TUNING');
    expect(stderr).toContain('demo: prefix: skipped (PREFIX_TUNING');
    expect(Number.isFinite(report.source.accuracy)).toBe(true);
  });

  it('prints a table with a row per method, and markdown with the CLI commands', () => {
    const text = renderText(report);
    for (const m of DEMO_METHODS) expect(text).toContain(m.label);
    expect(text).toMatch(/prefix tuning +skipped: PREFIX_TUNING/);
    const md = renderMarkdown(report, 'pnpm demo vision');
    expect(md).toMatch(/^\| method +\| test accuracy +\|/m);
    // `pnpm lint` formats markdown: a freshly written results file must already be formatted.
    expect(biomeFormatted(`# Results\n\n${md}\n`)).toBe(`# Results\n\n${md}\n`);
    expect(md).toContain('pnpm peftkit pretrain --preset vision/classification');
    // One command per trained row; zero-shot and the skipped row train nothing.
    expect(md.match(/pnpm peftkit train /g)).toHaveLength(DEMO_METHODS.length - 1);
  });

  it('resolves each step exactly as the printed peftkit command does', async () => {
    const step: CliStep = {
      command: 'train',
      preset: 'vision/classification',
      config: path.join(tmp, 'work', 'demo-config.json'),
      set: ['peft={peftType: IA3}', 'training.evalEvery.steps=4'],
      data: report.target.file,
      base: report.source.runDir,
      out: path.join(tmp, 'work', 'adapt', 'ia3-check'),
      maxSteps: 4,
      seed: 7,
    };
    const { ours, cli } = await resolveBothWays(step, [visionPlugin]);
    expect(cli.training).toEqual(JSON.parse(JSON.stringify(ours.training)));
    expect(cli.training.epochs).toBeUndefined();
    expect(cli.peft === 'full' ? 'full' : cli.peft.peftType).toBe('IA3');
    expect(path.resolve(ROOT, cli.model.base ?? '')).toBe(ours.model.base);
  });

  it('writes its section to the results file it is given and leaves docs/results.md alone', async () => {
    expect(await fingerprint(RESULTS)).toBe(before);
    expect(report.resultsFile).toBe(path.join(tmp, 'results.md'));
    const written = await fs.readFile(path.join(tmp, 'results.md'), 'utf8');
    expect(written).toContain('<!-- demo:vision:start -->\n## Vision');
    for (const m of DEMO_METHODS) expect(written).toContain(`| ${m.label} `);
  });

  it('replaces only its own section of a results file', async () => {
    const file = path.join(tmp, 'sections.md');
    await fs.writeFile(file, '# Results\n\n<!-- demo:nlp:start -->\nnlp\n<!-- demo:nlp:end -->\n');
    await writeResultsSection(file, 'vision', 'first');
    await writeResultsSection(file, 'vision', 'second');
    const text = await fs.readFile(file, 'utf8');
    expect(text).toContain('<!-- demo:nlp:start -->\nnlp\n<!-- demo:nlp:end -->');
    expect(text).toContain('<!-- demo:vision:start -->\nsecond\n<!-- demo:vision:end -->');
    expect(text).not.toContain('first');
  });

  it('refuses an unknown demo name and lists the demos', async () => {
    const r = await captureDemo(() => runDemo(['nope']));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`unknown demo 'nope' (demos: ${Object.keys(DEMOS).join(', ')})`);
    expect(Object.keys(DEMOS)).toContain('vision');
  });
});
