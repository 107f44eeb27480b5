import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../demo-cli.js';
import { biomeFormatted, captureDemo, fingerprint } from '../testing/helpers.js';
import { QUICK_BUDGET, type SpeechDemoBudget } from './config.js';
import { speechDemoMain } from './main.js';
import { DEMO_METHODS } from './methods.js';
import type { SpeechDemoReport } from './pipeline.js';
import { renderMarkdown, renderText } from './render.js';

const RESULTS = path.join(ROOT, 'docs', 'results.md');

/**
 * The committed base, a few clips and steps: the whole pipeline, and the base's own numbers
 * (zero-shot needs no training, so those are real).
 */
const TINY: SpeechDemoBudget = {
  ...QUICK_BUDGET,
  target: { ...QUICK_BUDGET.target, clipsPerSpeaker: 2 },
  sourceTest: { ...QUICK_BUDGET.sourceTest, clipsPerSpeaker: 4 },
  adaptSteps: 1,
  batchSize: 2,
};

let tmp: string;
let before: string;
let report: SpeechDemoReport & { resultsFile: string | null };
let stderr: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-demo-speech-'));
  before = await fingerprint(RESULTS);
  const run = await captureDemo(() =>
    speechDemoMain(['--json', '--work', path.join(tmp, 'work'), '--results', path.join(tmp, 'results.md')], {
      budget: TINY,
      progress: 'none',
    }),
  );
  expect(run.code, run.stderr).toBe(0);
  report = JSON.parse(run.stdout);
  stderr = run.stderr;
}, 120_000);
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('pnpm demo speech (tiny budget, committed base)', () => {
  it('scores every row on the target and the source accent', () => {
    expect(report.results.map((r) => r.id)).toEqual(DEMO_METHODS.map((m) => m.id));
    for (const r of report.results) {
      expect(r.status, `${r.id}: ${r.reason ?? ''}`).toBe('ok');
      expect(r.target?.clips).toBe(TINY.target.clipsPerSpeaker * TINY.target.speakers.test);
      expect(r.source?.clips).toBe(TINY.sourceTest.clipsPerSpeaker * TINY.sourceTest.speakers.test);
      for (const score of [r.target, r.source]) {
        expect(score?.cer).toBeGreaterThanOrEqual(0);
        expect(score?.wer).toBeGreaterThanOrEqual(0);
      }
    }
    const byId = new Map(report.results.map((r) => [r.id, r]));
    expect(byId.get('zero-shot')?.trainableParameters).toBe(0);
    expect(byId.get('full')?.trainableParameters).toBe(byId.get('full')?.totalParameters);
    for (const id of ['lora', 'bottleneck', 'ia3']) {
      const r = byId.get(id);
      expect(r?.weightFiles).toEqual(['adapter_model.safetensors']);
      expect(r?.weightBytes).toBeLessThan((byId.get('full')?.weightBytes ?? 0) / 5);
      expect(r?.trainableParameters).toBeLessThan((r?.totalParameters ?? 0) * 0.1);
    }
    expect(byId.get('ia3')?.trainableParameters).toBeLessThan(byId.get('lora')?.trainableParameters ?? 0);
  });

  it('adapts a base that really recognises the source accent', () => {
    const zeroShot = report.results.find((r) => r.id === 'zero-shot');
    // A base that recognised nothing would sit at CER ~1 (all blanks) on both accents.
    expect(zeroShot?.source?.cer).toBeLessThan(0.5);
    expect(report.base.record.sourceCer).toBeLessThan(0.5);
    expect(report.base.pretrainedNow).toBe(false);
  });

  it('prints the table, says the accents are synthetic, and writes its own results section', async () => {
    const text = renderText(report);
    for (const m of DEMO_METHODS) expect(text).toContain(m.label);
    expect(text).toContain('domain-shift proxy');
    expect(stderr).toContain('domain-shift proxy');
    const md = renderMarkdown(report, 'pnpm demo speech');
    expect(md).toMatch(/^\| method +\| CER \(Scottish English\) +\|/m);
    expect(biomeFormatted(`# Results\n\n${md}\n`)).toBe(`# Results\n\n${md}\n`);
    expect(md.match(/pnpm peftkit train /g)).toHaveLength(DEMO_METHODS.length - 1);
    expect(await fingerprint(RESULTS)).toBe(before);
    const written = await fs.readFile(path.join(tmp, 'results.md'), 'utf8');
    expect(written).toContain('<!-- demo:speech:start -->\n## Speech');
  });
});
