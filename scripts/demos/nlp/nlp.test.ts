import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { readPreprocessorFile, readSafetensorsHeader } from '@peftkit/core';
import { loadTokenizer, nlpPlugin, tokenizerFromState } from '@peftkit/nlp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliStep } from '../cli-step.js';
import { ROOT } from '../demo-cli.js';
import { runDemo } from '../dispatch.js';
import { DEFAULT_DEMO } from '../registry.js';
import { biomeFormatted, captureDemo, fingerprint, resolveBothWays } from '../testing/helpers.js';
import { COMMITTED_BASE, readBaseRecord } from './base-checkpoint.js';
import type { NlpDemoBudget } from './config.js';
import { nlpDemoMain } from './main.js';
import { DEMO_METHODS } from './methods.js';
import type { NlpDemoReport } from './pipeline.js';
import { renderMarkdown, renderText } from './render.js';

const RESULTS = path.join(ROOT, 'docs', 'results.md');

/** Two steps per method on a few dozen sentences: the whole pipeline, not the numbers. */
const TINY: NlpDemoBudget = {
  pretrainSteps: 2,
  adaptSteps: 2,
  batchSize: 8,
  trainFraction: 0.5,
  valFraction: 0.25,
  limitPerLabel: 8,
  messagesPerGroup: 8,
  seed: 7,
};

type Printed = NlpDemoReport & { resultsFile: string | null };

let tmp: string;
let before: string;
/** The default run: the committed base, every method. */
let report: Printed;
/** `--pretrain --save-base`: a base made now, adapted with LoRA only. */
let pretrained: Printed;

async function demo(args: string[], methods = DEMO_METHODS): Promise<Printed> {
  const run = await captureDemo(() => nlpDemoMain(args, { budget: TINY, methods, progress: 'none' }));
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Printed;
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-demo-nlp-'));
  before = await fingerprint(RESULTS);
  report = await demo([
    '--json',
    '--work',
    path.join(tmp, 'work'),
    '--results',
    path.join(tmp, 'results.md'),
  ]);
  pretrained = await demo(
    [
      '--json',
      '--pretrain',
      '--save-base',
      path.join(tmp, 'saved-base'),
      '--work',
      path.join(tmp, 'work-pretrain'),
      '--no-results',
    ],
    DEMO_METHODS.filter((m) => m.id === 'lora'),
  );
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('pnpm demo nlp (tiny budget)', () => {
  it('adapts the committed base and scores every method on each domain', () => {
    expect(report.base.dir).toBe(COMMITTED_BASE);
    expect(report.base.pretrainedNow).toBe(false);
    expect(report.results.map((r) => r.id)).toEqual(DEMO_METHODS.map((m) => m.id));
    const domains = report.data.domains.map((d) => d.domain);
    expect(domains).toEqual(['imdb', 'yelp', 'amazon']);
    for (const d of report.data.domains) expect([d.train, d.val, d.test]).toEqual([8, 4, 4]);
    for (const r of report.results) {
      expect(r.status, `${r.id}: ${r.reason ?? ''}`).toBe('ok');
      for (const acc of [r.accuracy, ...domains.map((d) => r.domains[d])]) {
        expect(acc).toBeGreaterThanOrEqual(0);
        expect(acc).toBeLessThanOrEqual(1);
      }
      expect(r.weightBytes).toBeGreaterThan(0);
      expect(r.trainSeconds).toBeGreaterThan(0);
    }
    const byId = new Map(report.results.map((r) => [r.id, r]));
    const trainable = (id: string) => byId.get(id)?.trainableParameters ?? Number.NaN;
    // The head alone < LoRA on q, v < everything.
    expect(trainable('linear-probe')).toBeLessThan(trainable('lora'));
    expect(trainable('lora')).toBeLessThan(trainable('full'));
    expect(trainable('full')).toBe(byId.get('full')?.totalParameters);
    // Training from random init is the same model: same size, same parameter count.
    expect(trainable('scratch')).toBe(trainable('full'));
    expect(byId.get('lora')?.weightBytes).toBeLessThan(byId.get('full')?.weightBytes ?? 0);
  });

  it('writes adapters in the Hugging Face PEFT layout', async () => {
    const lora = report.results.find((r) => r.id === 'lora');
    const config = JSON.parse(
      await fs.readFile(path.join(lora?.runDir ?? '', 'adapter_config.json'), 'utf8'),
    );
    expect(config.peft_type).toBe('LORA');
    expect([...config.target_modules].sort()).toEqual(['query', 'value', 'word_embeddings']);
    const header = await readSafetensorsHeader(path.join(lora?.runDir ?? '', 'adapter_model.safetensors'));
    const names = header.entries.map((e) => e.name);
    expect(names).toContain('base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight');
    expect(names).toContain('base_model.model.bert.encoder.layer.1.attention.self.value.lora_B.weight');
    expect(names).toContain('base_model.model.bert.embeddings.word_embeddings.lora_embedding_A');
    expect(names.some((n) => n.startsWith('base_model.model.classifier.'))).toBe(true);
  });

  it('prints a table with a row per method, and markdown with every peftkit command', () => {
    const text = renderText(report);
    for (const m of DEMO_METHODS) expect(text).toContain(m.label);
    expect(text).toMatch(/^method +test accuracy \(all\) +imdb +yelp +amazon +trainable params/m);
    const md = renderMarkdown(report, 'pnpm demo nlp');
    // `pnpm lint` formats markdown: a freshly written results file must already be formatted.
    expect(biomeFormatted(`# Results\n\n${md}\n`)).toBe(`# Results\n\n${md}\n`);
    expect(md.match(/pnpm peftkit train --preset nlp\/sentiment /g)).toHaveLength(DEMO_METHODS.length);
    expect(md).not.toContain('pnpm peftkit pretrain');
    expect(md).toContain('preprocess.options.tokenizer=');
  });

  it('writes its section to the results file it is given and leaves docs/results.md alone', async () => {
    expect(await fingerprint(RESULTS)).toBe(before);
    expect(report.resultsFile).toBe(path.join(tmp, 'results.md'));
    const written = await fs.readFile(path.join(tmp, 'results.md'), 'utf8');
    expect(written).toContain('<!-- demo:nlp:start -->\n## Text');
    for (const m of DEMO_METHODS) expect(written).toContain(`| ${m.label} `);
  });

  it('--pretrain makes a base with masked LM on the emails and --save-base writes it whole', async () => {
    expect(pretrained.base.pretrainedNow).toBe(true);
    const record = pretrained.base.record;
    expect(record.steps).toBe(TINY.pretrainSteps);
    expect(record.mlmAccuracy).toBeGreaterThanOrEqual(0);
    expect(record.corpus.trainPieces).toBeGreaterThan(0);
    expect(record.command).toMatch(
      /^pnpm peftkit pretrain --preset nlp\/domain-mlm --config \S+pretrain-config.json/,
    );
    expect(pretrained.results.map((r) => [r.id, r.status])).toEqual([['lora', 'ok']]);
    expect(renderMarkdown(pretrained, 'pnpm demo nlp --pretrain')).toContain(record.command);

    const saved = path.join(tmp, 'saved-base');
    expect((await fs.readdir(saved)).sort()).toEqual(
      [
        'README.md',
        'config.json',
        'model.safetensors',
        'preprocessor.json',
        'pretraining.json',
        'special_tokens_map.json',
        'tokenizer.json',
        'tokenizer_config.json',
        'vocab.txt',
      ].sort(),
    );
    expect(await readBaseRecord(saved)).toEqual(record);
    const readme = await fs.readFile(path.join(saved, 'README.md'), 'utf8');
    expect(biomeFormatted(readme)).toBe(readme);
    expect(readme).toContain(record.command);
    expect(readme).toContain('PDDL');
    // The HF tokenizer files hold the vocabulary the base's embedding rows are indexed by.
    const state = (await readPreprocessorFile(saved))?.state as { tokenizer: unknown };
    const sentence = 'The food was superb, the service unbelievably slow!';
    expect((await loadTokenizer(saved)).encode(sentence).ids).toEqual(
      tokenizerFromState(state.tokenizer).encode(sentence).ids,
    );
  });

  it('the committed base is small, documented, and loads as a tokenizer directory', async () => {
    const files = await fs.readdir(COMMITTED_BASE);
    let bytes = 0;
    for (const f of files) bytes += (await fs.stat(path.join(COMMITTED_BASE, f))).size;
    expect(bytes).toBeLessThanOrEqual(10 * 1024 * 1024);
    const record = await readBaseRecord(COMMITTED_BASE);
    expect(record.mlmAccuracy).toBeGreaterThan(0.1);
    const readme = await fs.readFile(path.join(COMMITTED_BASE, 'README.md'), 'utf8');
    expect(readme).toContain(record.command);
    expect((await loadTokenizer(COMMITTED_BASE)).vocabSize).toBe(record.model.vocab);
  });

  it('resolves a step exactly as the printed peftkit command does, --set paths included', async () => {
    const work = path.join(tmp, 'work');
    const step: CliStep = {
      command: 'train',
      preset: 'nlp/sentiment',
      config: path.join(work, 'adapt-config.json'),
      set: ['peft=full', `preprocess.options.tokenizer=${path.join(work, 'tokenizer')}`],
      data: report.data.trainFile,
      evalData: report.data.valFile,
      out: path.join(work, 'adapt', 'scratch-check'),
      maxSteps: 2,
      seed: 7,
    };
    const { ours, cli } = await resolveBothWays(step, [nlpPlugin]);
    expect(cli.training).toEqual(JSON.parse(JSON.stringify(ours.training)));
    expect(cli.head).toMatchObject(ours.head);
    const tokenizer = (c: typeof ours) => String(c.preprocess.options?.['tokenizer']);
    expect(path.resolve(ROOT, tokenizer(cli))).toBe(tokenizer(ours));
    expect(cli.peft).toBe('full');
  });

  it('is the default demo, and refuses --save-base without --pretrain', async () => {
    expect(DEFAULT_DEMO).toBe('nlp');
    const help = await captureDemo(() => runDemo(['--help']));
    expect(help.stdout).toContain('(default: nlp)');
    await expect(runDemo(['--save-base', path.join(tmp, 'nope')])).rejects.toThrow(
      '--save-base needs --pretrain',
    );
  });
});
