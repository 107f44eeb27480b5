import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { ContainerModule } from 'inversify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { definePlugin } from '../plugin/domain-plugin.js';
import { Evaluator } from '../plugin/evaluator.js';
import { createPeftkit } from '../plugin/peftkit-host.js';
import { predictExamples } from '../plugin/run/predict-run.js';
import { toyPlugin } from '../plugin/testing/toy-plugin.js';
import { runToyCli } from './testing/toy-cli.js';

/**
 * An evaluator that predicts `n` generated inputs with the run and reports how many fall in the
 * first class: enough to prove the run, the options and the files travel as the contract says.
 */
const probe: Evaluator<{ n: number; tag: string }> = {
  id: 'toy/probe',
  description: 'share of generated inputs predicted as the first label',
  optionsSchema: z.strictObject({ n: z.number().int().positive().default(4), tag: z.string().default('x') }),
  async evaluate(run, options, context) {
    context.log(`probing ${options.n} inputs`);
    const examples = await Promise.all(
      Array.from({ length: options.n }, (_, i) => run.instance.parseInput?.(`${i - 2},${1 - i}`)),
    );
    const predictions = await predictExamples(run, examples);
    const first = predictions.filter((p) => p.label === run.labels?.[0]).length;
    return {
      metrics: { share_first: first / options.n, n: options.n },
      details: { labels: predictions.map((p) => p.label ?? null) },
      files: [
        { name: `probe-${options.tag}.json`, content: JSON.stringify({ outDir: context.outDir ?? null }) },
      ],
    };
  },
};

const probePlugin = definePlugin({
  id: 'probe',
  version: '0.0.1',
  domain: 'toy',
  description: 'contributes the toy/probe evaluator',
  module: new ContainerModule(({ bind }) => {
    bind(Evaluator).toConstantValue(probe);
  }),
});

const cli = (argv: string[]) => runToyCli(argv, [toyPlugin, probePlugin]);

let tmp: string;
let plain: string;
let withDefault: string;
beforeAll(async () => {
  process.env['PEFTKIT_BACKEND'] = 'cpu';
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-evaluator-'));
  plain = path.join(tmp, 'plain');
  withDefault = path.join(tmp, 'with-default');
  for (const [out, extra] of [
    [plain, []],
    [withDefault, ['--set', 'evaluation={evaluator: toy/probe, options: {n: 3, tag: saved}}']],
  ] as const) {
    const r = await cli(['train', '--preset', 'toy/basic', '--out', out, '--max-steps', '2', ...extra]);
    if (r.code !== 0) throw new Error(r.stderr);
  }
}, 60_000);
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

describe('peftkit eval --evaluator', () => {
  it('runs a contributed evaluator with validated options and writes its files into --out', async () => {
    const out = path.join(tmp, 'report');
    const r = await cli([
      'eval',
      '--json',
      '--adapter',
      plain,
      '--evaluator',
      'toy/probe',
      '--options',
      '{"n": 5}',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.evaluator).toBe('toy/probe');
    expect(report.options).toEqual({ n: 5, tag: 'x' });
    expect(report.metrics.n).toBe(5);
    expect(report.metrics.share_first).toBeGreaterThanOrEqual(0);
    expect(report.details.labels).toHaveLength(5);
    expect(report.files).toEqual([path.join(out, 'probe-x.json')]);
    expect(JSON.parse(await fs.readFile(path.join(out, 'probe-x.json'), 'utf8'))).toEqual({ outDir: out });
    expect(r.stderr).toContain('probing 5 inputs');
  });

  it('eval --out never mixes with other files: a second eval needs --overwrite and replaces the first wholesale', async () => {
    const out = path.join(tmp, 'report-twice');
    const evalInto = (tag: string, ...extra: string[]) =>
      cli([
        'eval',
        '--adapter',
        plain,
        '--evaluator',
        'toy/probe',
        '--options',
        `{"n": 2, "tag": "${tag}"}`,
        '--out',
        out,
        ...extra,
      ]);
    expect((await evalInto('a')).code).toBe(0);
    expect((await fs.readdir(out)).sort()).toEqual(['peftkit-eval.json', 'probe-a.json']);
    const again = await evalInto('b');
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(
      `peftkit: eval --out ${out}: already holds an earlier eval output; pass --overwrite to replace it, or choose another --out\n`,
    );
    expect((await evalInto('b', '--overwrite')).code).toBe(0);
    // probe-a.json belonged to the replaced output: gone, not mixed in.
    expect((await fs.readdir(out)).sort()).toEqual(['peftkit-eval.json', 'probe-b.json']);

    const mine = path.join(tmp, 'my-reports');
    await fs.mkdir(mine);
    await fs.writeFile(path.join(mine, 'q3.pdf'), 'mine');
    const refused = await cli([
      'eval',
      '--adapter',
      plain,
      '--evaluator',
      'toy/probe',
      '--out',
      mine,
      '--overwrite',
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'the directory is not empty and was not written by peftkit (holds q3.pdf)',
    );
    expect(await fs.readdir(mine)).toEqual(['q3.pdf']);
  });

  it('reads options from a YAML file and refuses bad fields naming them', async () => {
    const file = path.join(tmp, 'opts.yaml');
    await fs.writeFile(file, 'n: 2\ntag: yaml\n');
    const ok = await cli([
      'eval',
      '--json',
      '--adapter',
      plain,
      '--evaluator',
      'toy/probe',
      '--options',
      file,
    ]);
    expect(JSON.parse(ok.stdout).options).toEqual({ n: 2, tag: 'yaml' });
    const bad = await cli([
      'eval',
      '--adapter',
      plain,
      '--evaluator',
      'toy/probe',
      '--options',
      '{"n": 0, "tga": 1}',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/options\.n must be > 0/);
    expect(bad.stderr).toMatch(/options\.tga is not a known field \(did you mean 'tag'\?\)/);
    const unknown = await cli(['eval', '--adapter', plain, '--evaluator', 'toy/prob']);
    expect(unknown.stderr).toMatch(/unknown evaluator 'toy\/prob' \(did you mean 'toy\/probe'\?\)/);
  });

  it('uses the run config evaluation block when neither --data nor --evaluator is given', async () => {
    const r = await cli(['eval', '--json', '--adapter', withDefault]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).options).toEqual({ n: 3, tag: 'saved' });
    const none = await cli(['eval', '--adapter', plain]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(
      /names no evaluation; pass --data <path> or --evaluator <id> \(installed: toy\/probe\)/,
    );
  });

  it('is listed by doctor and a duplicate id is a plugin conflict naming both plugins', async () => {
    const doctor = JSON.parse((await cli(['doctor', '--json'])).stdout);
    expect(doctor.evaluators).toEqual([{ id: 'toy/probe', description: probe.description, plugin: 'probe' }]);
    const twin = definePlugin({ ...probePlugin, id: 'probe-twin', module: probePlugin.module });
    const host = await createPeftkit({
      plugins: [
        probePlugin,
        definePlugin({
          ...twin,
          module: new ContainerModule(({ bind }) => {
            bind(Evaluator).toConstantValue(probe);
          }),
        }),
      ],
    });
    expect(host.failures.map((f) => f.error)).toEqual([
      "evaluator 'toy/probe' is contributed by both plugin 'probe' and plugin 'probe-twin'",
    ]);
    expect(host.evaluators.pluginOf('toy/probe')).toBe('probe');
  });
});
