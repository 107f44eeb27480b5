import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { readSafetensorsHeader } from '@peftkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../demo-cli.js';
import { runDemo } from '../dispatch.js';
import { biomeFormatted, captureDemo, fingerprint } from '../testing/helpers.js';
import { datePhrasePairs, unitPhrasePairs } from './cldr-phrases.js';
import type { TranslationDemoBudget } from './config.js';
import { translationDemoMain } from './main.js';
import { TRANSLATION_METHODS } from './methods.js';
import type { TranslationDemoReport } from './pipeline.js';
import { renderMarkdown, renderText } from './render.js';

const RESULTS = path.join(ROOT, 'docs', 'results.md');

/** A few steps per row on a few dozen pairs: the whole pipeline, not the numbers. */
const TINY: TranslationDemoBudget = {
  pretrainSteps: 3,
  adaptSteps: 2,
  batchSize: 8,
  trainFraction: 0.5,
  valFraction: 0.25,
  limit: 24,
  seed: 7,
};

type Printed = TranslationDemoReport & { resultsFile: string | null };

let tmp: string;
let before: string;
let report: Printed;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-demo-translation-'));
  before = await fingerprint(RESULTS);
  const args = ['--json', '--work', path.join(tmp, 'work'), '--results', path.join(tmp, 'results.md')];
  const run = await captureDemo(() => translationDemoMain(args, { budget: TINY, progress: 'none' }));
  expect(run.code, run.stderr).toBe(0);
  report = JSON.parse(run.stdout) as Printed;
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('CLDR phrase pairs', () => {
  it('pairs English and German measurements and date phrases by key, one reference per source', async () => {
    const units = await unitPhrasePairs();
    const dates = await datePhrasePairs();
    expect(units.length).toBeGreaterThan(1000);
    expect(dates.length).toBeGreaterThan(150);
    const lookup = (pairs: typeof units) => new Map(pairs.map((p) => [p.source, p.target]));
    const u = lookup(units);
    expect(u.get('1 hour')).toBe('1 Stunde');
    expect(u.get('24 hours')).toBe('24 Stunden');
    expect(u.get('kilometers')).toBe('Kilometer');
    const d = lookup(dates);
    expect(d.get('January')).toBe('Januar');
    expect(d.get('Monday')).toBe('Montag');
    expect(d.get('in 3 days')).toBe('in 3 Tagen');
    expect(d.get('2 hours ago')).toBe('vor 2 Stunden');
    for (const pairs of [units, dates]) {
      expect(new Set(pairs.map((p) => p.source)).size).toBe(pairs.length);
      for (const p of pairs) expect(`${p.source}${p.target}`).not.toMatch(/[\t\n"{}]/);
    }
    // The new domain is new: hardly any date phrase is also a measurement.
    const unitSources = new Set(units.map((p) => p.source));
    expect(dates.filter((p) => unitSources.has(p.source)).length).toBeLessThan(dates.length / 20);
  });
});

describe('pnpm demo translation (tiny budget)', () => {
  it('trains a base, then scores every row on held-out date phrases and measurements', () => {
    expect(report.results.map((r) => r.id)).toEqual(TRANSLATION_METHODS.map((m) => m.id));
    expect([report.units.train, report.units.val, report.units.test]).toEqual([19, 1, 4]);
    expect([report.dates.train, report.dates.val, report.dates.test]).toEqual([12, 6, 6]);
    expect(report.base.steps).toBe(TINY.pretrainSteps);
    for (const r of report.results) {
      expect(r.status, `${r.id}: ${r.reason ?? ''}`).toBe('ok');
      for (const v of [r.test.bleu, r.test.chrf, r.baseDomain.bleu, r.baseDomain.chrf]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(100);
      }
      expect(r.weightBytes).toBeGreaterThan(0);
    }
    const byId = new Map(report.results.map((r) => [r.id, r]));
    const trainable = (id: string) => byId.get(id)?.trainableParameters ?? Number.NaN;
    expect(trainable('zero-shot')).toBe(0);
    expect(byId.get('zero-shot')?.command).toBeNull();
    // Prompt < prefix < LoRA < everything.
    expect(trainable('prompt')).toBeLessThan(trainable('prefix'));
    expect(trainable('prefix')).toBeLessThan(trainable('lora'));
    expect(trainable('lora')).toBeLessThan(trainable('full'));
    expect(trainable('full')).toBe(report.base.parameters);
    expect(byId.get('lora')?.weightBytes).toBeLessThan(byId.get('full')?.weightBytes ?? 0);
    // The zero-shot row is the base: its measurements score is the base's own.
    expect(byId.get('zero-shot')?.baseDomain).toEqual(report.base.test);
    expect(report.cpuSeconds).toBeGreaterThan(0);
  });

  it('writes the LoRA adapter in the Hugging Face PEFT layout, cross-attention included', async () => {
    const lora = report.results.find((r) => r.id === 'lora');
    const dir = lora?.runDir ?? '';
    const config = JSON.parse(await fs.readFile(path.join(dir, 'adapter_config.json'), 'utf8'));
    expect(config.peft_type).toBe('LORA');
    expect(config.task_type).toBe('SEQ_2_SEQ_LM');
    const names = (await readSafetensorsHeader(path.join(dir, 'adapter_model.safetensors'))).entries.map(
      (e) => e.name,
    );
    expect(names).toContain('base_model.model.encoder.block.0.layer.0.SelfAttention.q.lora_A.weight');
    expect(names).toContain('base_model.model.decoder.block.1.layer.1.EncDecAttention.v.lora_B.weight');
  });

  it('prints a row per method and writes its section, formatted, with every peftkit command', async () => {
    const text = renderText(report);
    for (const m of TRANSLATION_METHODS) expect(text).toContain(m.label);
    expect(text).toMatch(/^method +dates chrF +dates BLEU +units chrF \(after\) +trainable params/m);
    expect(await fingerprint(RESULTS)).toBe(before);
    expect(report.resultsFile).toBe(path.join(tmp, 'results.md'));
    const written = await fs.readFile(path.join(tmp, 'results.md'), 'utf8');
    const section = written.slice(
      written.indexOf('<!-- demo:translation:start -->'),
      written.indexOf('<!-- demo:translation:end -->'),
    );
    expect(section).toMatch(/^<!-- demo:translation:start -->\n## Translation/);
    for (const m of TRANSLATION_METHODS) {
      const row = section.split('\n').find((l) => l.startsWith(`| ${m.label} `));
      expect(row, m.label).toBeDefined();
      // chrF, BLEU, units chrF: numbers.
      const cells = (row ?? '').split('|').map((c) => c.trim());
      for (const c of cells.slice(2, 5)) expect(Number.isFinite(Number.parseFloat(c)), c).toBe(true);
    }
    // The base plus one train step per trained row.
    expect(section.match(/pnpm peftkit train --preset nlp\/translation /g)).toHaveLength(
      TRANSLATION_METHODS.length,
    );
    expect(section).toContain('chrF (character 6-grams) is the better signal');
    const md = renderMarkdown(report, 'pnpm demo translation');
    expect(biomeFormatted(`# Results\n\n${md}\n`)).toBe(`# Results\n\n${md}\n`);
  });

  it('is registered as `pnpm demo translation`', async () => {
    const help = await captureDemo(() => runDemo(['--help']));
    expect(help.stdout).toMatch(/^ {2}translation +a small English->German T5/m);
    const own = await captureDemo(() => runDemo(['translation', '--help']));
    expect(own.stdout).toContain('pnpm demo translation [--quick]');
  });
});
