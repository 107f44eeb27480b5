import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToyCli } from '../cli/testing/toy-cli.js';
import { createPeftkit } from '../plugin/peftkit-host.js';
import { toyPlugin } from '../plugin/testing/toy-plugin.js';
import { createServer } from './server.js';
import { ServeProcess } from './testing/serve-process.js';
import { expectSamePredictions, type ServedPrediction } from './testing/served-predictions.js';

/**
 * The acceptance test of `peftkit serve`: the real CLI in a child process on a loopback port,
 * serving two toy adapter runs trained on ONE base, a third task with as many classes, a 5-class
 * task, and two that cannot share the base (another base; three labels on a 2-way head), with a budget that holds one
 * adapter, so mixed requests load and unload adapters as they go.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const pluginModule = path.resolve(here, '../plugin/testing/toy-plugin-module.ts');
const TOKEN = 'e2e-secret';

type Pred = ServedPrediction<string>;

async function cli(argv: string[]): Promise<Record<string, unknown>> {
  const r = await runToyCli(argv);
  if (r.code !== 0) throw new Error(`peftkit ${argv.join(' ')}: exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** `peftkit predict --json` for one adapter: the reference answers. */
async function predictCli(dir: string, inputs: string[]): Promise<Pred[]> {
  return (await cli(['predict', '--json', '--adapter', dir, '--', ...inputs]))['predictions'] as Pred[];
}

let tmp: string;
let adapters: string;
let server: ServeProcess;
const inputs = ['1,2', '-3,-1', '0.5,-2', '2,2', '-1,0.25', '0,3'];
const reference: Record<string, Pred[]> = {};

beforeAll(async () => {
  process.env['PEFTKIT_BACKEND'] = 'wasm';
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-serve-'));
  adapters = path.join(tmp, 'adapters');
  const a = path.join(adapters, 'alpha');
  const toy = ['train', '--json', '--preset', 'toy/basic'];
  await cli([...toy, '--out', a, '--max-steps', '4']);
  // beta: another adapter (other seed and data order, more steps) on alpha's base.
  await cli([
    ...toy,
    '--out',
    path.join(adapters, 'beta'),
    '--base',
    path.join(a, 'base'),
    '--seed',
    '9',
    '--max-steps',
    '8',
    '--set',
    'training.lr=0.05',
  ]);
  // gamma: trained on its own base, so it cannot share alpha's.
  await cli([...toy, '--out', path.join(adapters, 'gamma'), '--max-steps', '2', '--seed', '3']);
  // delta: another task with as many classes (labels 'down'/'up'), made from beta's weights by
  // relabelling its run; zeta claims three labels but holds beta's 2-way head, so it is refused.
  await relabel('beta', 'delta', ['down', 'up']);
  await relabel('beta', 'zeta', ['a', 'b', 'c']);
  // eta: beta's files claiming another head (id), which one routed model cannot serve.
  await fs.cp(path.join(adapters, 'beta'), path.join(adapters, 'eta'), { recursive: true });
  const etaManifest = path.join(adapters, 'eta', 'peftkit-run.json');
  const eta = JSON.parse(await fs.readFile(etaManifest, 'utf8'));
  await fs.writeFile(etaManifest, JSON.stringify({ ...eta, head: { ...eta.head, id: 'toy/other-head' } }));
  // epsilon: a 5-class task (labels c0..c4) trained on alpha's base: its head copy has 5 outputs.
  await cli([
    ...toy,
    '--out',
    path.join(adapters, 'epsilon'),
    '--base',
    path.join(a, 'base'),
    '--set',
    'data.train=toy:64?4?0?5',
    '--max-steps',
    '8',
    '--set',
    'training.lr=0.05',
  ]);
  // The toy preprocessor is the identity; its saved state only counts the rows it was fitted on,
  // which the 5-class split changes. Served adapters share one preprocessor file, so use alpha's.
  await fs.copyFile(path.join(a, 'preprocessor.json'), path.join(adapters, 'epsilon', 'preprocessor.json'));
  for (const name of ['alpha', 'beta', 'delta', 'epsilon'])
    reference[name] = await predictCli(path.join(adapters, name), inputs);
  const alphaBytes = await safetensorsDataBytes(path.join(a, 'adapter_model.safetensors'));
  // A budget that holds one adapter's tensors and not two: every switch unloads the other one.
  const budgetMb = (alphaBytes * 1.5) / (1024 * 1024);
  server = await ServeProcess.start({
    globalArgs: ['--plugin', pluginModule, '--no-discover'],
    args: [
      '--adapters',
      adapters,
      '--batch-window-ms',
      '100',
      '--max-body-bytes',
      '4096',
      '--adapter-budget-mb',
      String(budgetMb),
    ],
    env: { PEFTKIT_BACKEND: 'wasm', PEFTKIT_SERVE_TOKEN: TOKEN },
    headers: { authorization: `Bearer ${TOKEN}` },
    timeoutMs: 30_000,
  });
});

/** The tensor bytes a safetensors file holds (file size minus its 8-byte length and JSON header). */
async function safetensorsDataBytes(file: string): Promise<number> {
  const buf = await fs.readFile(file);
  return buf.length - 8 - Number(buf.readBigUInt64LE(0));
}

async function relabel(from: string, to: string, labels: string[]): Promise<void> {
  await fs.cp(path.join(adapters, from), path.join(adapters, to), { recursive: true });
  const file = path.join(adapters, to, 'peftkit-run.json');
  const manifest = JSON.parse(await fs.readFile(file, 'utf8'));
  await fs.writeFile(file, JSON.stringify({ ...manifest, labels }));
}

afterAll(async () => {
  if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
  await fs.rm(tmp, { recursive: true, force: true });
});

/** The served answers are the CLI's, for the same inputs (here both name inputs by their text). */
function expectSame(got: Pred[], want: Pred[]): void {
  expect(got.map((p) => [p.input, p.label])).toEqual(want.map((p) => [p.input, p.label]));
  expectSamePredictions(got, want);
}

describe('peftkit serve (spawned CLI, loopback)', () => {
  it('the two adapters answer differently, so routing is observable', () => {
    const diff = inputs.some(
      (_, i) =>
        Math.abs(
          (reference['alpha']?.[i]?.probabilities['pos'] ?? 0) -
            (reference['beta']?.[i]?.probabilities['pos'] ?? 0),
        ) > 1e-3,
    );
    expect(diff).toBe(true);
  });

  it('concurrent mixed requests share forward passes and each equals peftkit predict for its adapter', async () => {
    const before = {
      count: await server.metric('peftkit_batch_rows_count'),
      sum: await server.metric('peftkit_batch_rows_sum'),
    };
    const requests = inputs.flatMap((input, i) =>
      (['alpha', 'beta'] as const).map(async (name) => ({
        name,
        i,
        res: await server.call('POST', '/v1/predict', { adapter: name, inputs: [input] }),
      })),
    );
    // One request routing each input to its own adapter in one body.
    const mixed = server.call('POST', '/v1/predict', {
      adapters: inputs.map((_, i) => (i % 2 ? 'beta' : 'alpha')),
      inputs,
    });
    for (const { name, i, res } of await Promise.all(requests)) {
      expect(res.status).toBe(200);
      const [p] = res.json['predictions'] as Pred[];
      expect(p?.adapter).toBe(name);
      expectSame([p as Pred], [reference[name]?.[i] as Pred]);
    }
    const m = await mixed;
    expect(m.status).toBe(200);
    const preds = m.json['predictions'] as Pred[];
    expectSame(
      preds,
      inputs.map((_, i) => reference[i % 2 ? 'beta' : 'alpha']?.[i] as Pred),
    );
    const rows = (await server.metric('peftkit_batch_rows_sum')) - before.sum;
    const passes = (await server.metric('peftkit_batch_rows_count')) - before.count;
    expect(rows).toBe(2 * inputs.length + inputs.length);
    expect(passes).toBeLessThan(4); // 13 requests, grouped by the 100 ms window
  });

  it('keeps loaded adapters under the byte budget (LRU) and reloads on demand', async () => {
    expect((await server.call('POST', '/v1/predict', { adapter: 'beta', inputs: ['1,1'] })).status).toBe(200);
    let list = (await server.call('GET', '/v1/adapters')).json['adapters'] as {
      name: string;
      loaded: boolean;
    }[];
    expect(list.filter((a) => a.loaded).map((a) => a.name)).toEqual(['beta']);
    const r = await server.call('POST', '/v1/predict', { adapter: 'alpha', inputs });
    expectSame(r.json['predictions'] as Pred[], reference['alpha'] as Pred[]);
    list = (await server.call('GET', '/v1/adapters')).json['adapters'] as { name: string; loaded: boolean }[];
    expect(list.filter((a) => a.loaded).map((a) => a.name)).toEqual(['alpha']);
    expect(list.map((a) => a.name)).toEqual(['alpha', 'beta', 'delta', 'epsilon', 'eta', 'gamma', 'zeta']);
  });

  it('counts an adapter by the tensor bytes it adds once loaded, not its file size', async () => {
    const file = path.join(adapters, 'alpha', 'adapter_model.safetensors');
    const list = (await server.call('GET', '/v1/adapters')).json['adapters'] as {
      name: string;
      loaded: boolean;
      bytes: number;
    }[];
    const alpha = list.find((a) => a.name === 'alpha');
    // alpha was reloaded above, so its bytes are a tf.memory() difference around that load; the
    // safetensors header is not in memory, so it is less than the file by exactly the header.
    expect(alpha?.loaded).toBe(true);
    expect(alpha?.bytes).toBe(await safetensorsDataBytes(file));
    expect(alpha?.bytes).toBeLessThan((await fs.stat(file)).size);
    expect(await server.metric('peftkit_adapter_bytes')).toBe(alpha?.bytes);
  });

  it('unloads and reloads an adapter by hand; loading paths stay inside the adapters dir', async () => {
    expect((await server.call('DELETE', '/v1/adapters/beta')).status).toBe(204);
    const gone = await server.call('POST', '/v1/predict', { adapter: 'beta', inputs: ['1,2'] });
    expect([gone.status, gone.json['error']]).toEqual([
      404,
      "unknown adapter 'beta'; GET /v1/adapters lists them",
    ]);
    const outside = await server.call('POST', '/v1/adapters', { name: 'evil', path: '../../' });
    expect(outside.status).toBe(400);
    expect(outside.json['error']).toContain('inside the adapters dir');
    const back = await server.call('POST', '/v1/adapters', { name: 'beta', path: 'beta' });
    expect(back.status).toBe(201);
    expect(back.json).toMatchObject({ name: 'beta', loaded: true });
    const r = await server.call('POST', '/v1/predict', { adapter: 'beta', inputs });
    expectSame(r.json['predictions'] as Pred[], reference['beta'] as Pred[]);
    const dup = await server.call('POST', '/v1/adapters', { name: 'beta', path: 'beta' });
    expect(dup.status).toBe(409);
  });

  it('refuses an adapter trained on another base, or with another head, with a 4xx naming it, and keeps serving', async () => {
    const r = await server.call('POST', '/v1/predict', {
      adapters: ['alpha', 'gamma'],
      inputs: ['1,2', '1,2'],
    });
    expect(r.status).toBe(409);
    expect(r.json['error']).toMatch(
      /^adapter 'gamma': trained on base .*gamma.*, but this server's base is .*alpha/,
    );
    const head = await server.call('POST', '/v1/predict', { adapter: 'eta', inputs: ['1,2'] });
    expect(head.status).toBe(409);
    expect(head.json['error']).toMatch(
      /^adapter 'eta': .*trained as toy\/mlp \+ toy\/other-head, the first adapter as toy\/mlp \+ toy\/classify/,
    );
    const ok = await server.call('POST', '/v1/predict', { adapter: 'alpha', inputs: ['1,2'] });
    expect(ok.status).toBe(200);
  });

  it('serves another task with as many classes in the same request, decoded with its own labels', async () => {
    const names = inputs.map((_, i) => (i % 2 ? 'delta' : 'alpha'));
    const r = await server.call('POST', '/v1/predict', { adapters: names, inputs });
    expect(r.status).toBe(200);
    const preds = r.json['predictions'] as Pred[];
    expectSame(
      preds,
      inputs.map((_, i) => reference[names[i] as string]?.[i] as Pred),
    );
    expect(new Set(preds.filter((_, i) => i % 2).map((p) => p.label))).not.toContain('pos');
    expect(Object.keys(preds[1]?.probabilities ?? {})).toEqual(['down', 'up']);
    const three = await server.call('POST', '/v1/predict', { adapter: 'zeta', inputs: ['1,2'] });
    expect(three.status).toBe(409);
    expect(three.json['error']).toMatch(
      /^adapter 'zeta': .*it has 3 labels but its head has the first adapter's output shape \(2 labels\)/,
    );
  });

  it('serves a 5-class task next to 2-class ones: concurrent mixed requests, each equal to peftkit predict', async () => {
    const before = await server.metric('peftkit_batch_rows_count');
    const names = ['alpha', 'epsilon', 'beta', 'epsilon', 'alpha', 'epsilon'] as const;
    const single = inputs.flatMap((input, i) =>
      (['alpha', 'epsilon'] as const).map(async (name) => ({
        name,
        i,
        res: await server.call('POST', '/v1/predict', { adapter: name, inputs: [input] }),
      })),
    );
    const mixed = server.call('POST', '/v1/predict', { adapters: [...names], inputs });
    for (const { name, i, res } of await Promise.all(single)) {
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      const [p] = res.json['predictions'] as Pred[];
      expect(p?.adapter).toBe(name);
      expectSame([p as Pred], [reference[name]?.[i] as Pred]);
    }
    const m = await mixed;
    expect(m.status, JSON.stringify(m.json)).toBe(200);
    const preds = m.json['predictions'] as Pred[];
    expectSame(
      preds,
      inputs.map((_, i) => reference[names[i] as string]?.[i] as Pred),
    );
    expect(Object.keys(preds[1]?.probabilities ?? {})).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    expect(Object.keys(preds[0]?.probabilities ?? {})).toEqual(['neg', 'pos']);
    // 12 one-input requests and the mixed one share few passes (100 ms window).
    expect((await server.metric('peftkit_batch_rows_count')) - before).toBeLessThan(4);
  });

  it('auth, body size and input validation answer 4xx with a clear message', async () => {
    expect((await server.call('GET', '/healthz', undefined, {})).status).toBe(200);
    expect((await server.call('GET', '/v1/adapters', undefined, {})).status).toBe(401);
    expect((await server.call('GET', '/metrics', undefined, { authorization: 'Bearer nope' })).status).toBe(
      401,
    );
    const big = await server.call('POST', '/v1/predict', { adapter: 'alpha', inputs: ['x'.repeat(5000)] });
    expect(big.status).toBe(413);
    const cases: [unknown, string][] = [
      [{ adapter: 'alpha' }, "body must have required property 'inputs'"],
      [{ adapter: 'alpha', inputs: [3] }, 'body/inputs/0 must be string,object,array'],
      [{ inputs: ['1,2'] }, 'give exactly one of adapter'],
      [{ adapters: ['alpha'], inputs: ['1,2', '3,4'] }, 'adapters has 1 names for 2 inputs'],
      [{ adapter: 'alpha', inputs: ['1,2'], extra: 1 }, 'must NOT have additional properties'],
      ['{not json', 'Body is not valid JSON'],
    ];
    for (const [body, message] of cases) {
      const r = await server.call('POST', '/v1/predict', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json['error']).toContain(message);
    }
    const doc = await server.call('GET', '/openapi.json');
    expect(Object.keys(doc.json['paths'] as object)).toContain('/v1/predict');
  });

  it('tensor count is flat over many requests with adapter churn', async () => {
    const round = async () => {
      await Promise.all(
        inputs.map((input, i) =>
          server.call('POST', '/v1/predict', { adapter: i % 2 ? 'beta' : 'alpha', inputs: [input] }),
        ),
      );
      await server.call('POST', '/v1/predict', { adapter: 'alpha', inputs: ['0,0'] });
    };
    await round();
    const before = await server.metric('peftkit_tensors');
    for (let k = 0; k < 8; k++) await round();
    expect(await server.metric('peftkit_tensors')).toBe(before);
    expect(await server.metric('peftkit_adapters_loaded')).toBe(1);
  });

  it('SIGTERM drains in-flight requests and exits 0', async () => {
    const inflight = inputs.map((input) =>
      server.call('POST', '/v1/predict', { adapter: 'beta', inputs: [input] }),
    );
    await new Promise((r) => setTimeout(r, 30)); // inside the 100 ms batch window
    server.child.kill('SIGTERM');
    const answers = await Promise.all(inflight);
    expect(answers.map((a) => a.status)).toEqual(inputs.map(() => 200));
    expect(await server.exit).toBe(0);
    expect(server.log).toContain('peftkit serve: stopped');
  });
});

describe('createServer (in process)', () => {
  it('answers 504 past the per-request timeout and keeps serving, without leaking tensors', async () => {
    const host = await createPeftkit({ plugins: [toyPlugin] });
    const base = {
      adaptersDir: adapters,
      batchWindowMs: 0,
      maxBatch: 8,
      maxBodyBytes: 4096,
      adapterBudgetBytes: 1 << 20,
      maxInputs: 16,
    };
    const tensorsBefore = tf.memory().numTensors;
    // A 50 ms window against a 1 ms timeout: every request times out before its pass runs.
    const slow = await createServer(host, { ...base, batchWindowMs: 50, timeoutMs: 1 });
    const body = { adapter: 'alpha', inputs: ['1,2'] };
    const r = await slow.app.inject({ method: 'POST', url: '/v1/predict', payload: body });
    expect([r.statusCode, r.json().error]).toEqual([504, 'the request took longer than 1 ms']);
    await slow.close();
    const fast = await createServer(host, { ...base, timeoutMs: 10_000 });
    const ok = await fast.app.inject({ method: 'POST', url: '/v1/predict', payload: body });
    expect(ok.statusCode).toBe(200);
    expectSame(ok.json().predictions, [reference['alpha']?.[0] as Pred]);
    await fast.close();
    // The late pass of the timed-out request and both models are gone.
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('counts the first adapter (loaded with the base) by its tensors, as a later load measures them', async () => {
    const host = await createPeftkit({ plugins: [toyPlugin] });
    const s = await createServer(host, {
      adaptersDir: adapters,
      batchWindowMs: 0,
      maxBatch: 8,
      maxBodyBytes: 4096,
      adapterBudgetBytes: 1 << 20,
      maxInputs: 16,
      timeoutMs: 10_000,
    });
    try {
      const first = s.pool.list().find((a) => a.name === 'alpha');
      expect(first).toMatchObject({ loaded: true, measured: true });
      const before = tf.memory().numBytes;
      await s.pool.add('alpha2', 'alpha');
      const again = s.pool.list().find((a) => a.name === 'alpha2');
      expect(again?.bytes).toBe(tf.memory().numBytes - before);
      expect(first?.bytes).toBe(again?.bytes);
    } finally {
      await s.close();
    }
  });

  it('takes a Hub id as --base, read from the Hugging Face cache', async () => {
    // An offline HF cache (models--org--name/{refs,snapshots/<sha>}) holding alpha's base.
    const cache = path.join(tmp, 'hf-cache');
    const sha = 'c'.repeat(40);
    const repo = path.join(cache, 'models--org--toy-base');
    await fs.cp(path.join(adapters, 'alpha', 'base'), path.join(repo, 'snapshots', sha), { recursive: true });
    await fs.mkdir(path.join(repo, 'refs'), { recursive: true });
    await fs.writeFile(path.join(repo, 'refs', 'main'), sha);
    const saved = { cache: process.env['HF_HUB_CACHE'], offline: process.env['HF_HUB_OFFLINE'] };
    process.env['HF_HUB_CACHE'] = cache;
    process.env['HF_HUB_OFFLINE'] = '1';
    const host = await createPeftkit({ plugins: [toyPlugin] });
    try {
      const s = await createServer(host, {
        adaptersDir: adapters,
        base: 'org/toy-base',
        cwd: tmp,
        batchWindowMs: 0,
        maxBatch: 8,
        maxBodyBytes: 4096,
        adapterBudgetBytes: 1 << 20,
        maxInputs: 16,
        timeoutMs: 10_000,
      });
      try {
        expect(s.pool.baseDir).toBe(await fs.realpath(path.join(repo, 'snapshots', sha)));
        const r = await s.app.inject({
          method: 'POST',
          url: '/v1/predict',
          payload: { adapters: inputs.map((_, i) => (i % 2 ? 'beta' : 'alpha')), inputs },
        });
        expect(r.statusCode).toBe(200);
        expectSame(
          r.json().predictions,
          inputs.map((_, i) => reference[i % 2 ? 'beta' : 'alpha']?.[i] as Pred),
        );
      } finally {
        await s.close();
      }
    } finally {
      for (const [k, v] of [
        ['HF_HUB_CACHE', saved.cache],
        ['HF_HUB_OFFLINE', saved.offline],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
