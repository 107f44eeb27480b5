import * as fs from 'node:fs/promises';
import { loadavg } from 'node:os';
import * as path from 'node:path';
import { Rng } from '@peftkit/core';
import { type LoadResult, runLoad } from './load.js';
import { type ServeProcess, startServe } from './serve-process.js';
import { buildTextAdapters } from './text-adapters.js';

/** Options of `benchServe`. */
export interface ServeBenchOptions {
  /** Scratch directory for the runs (removed by the caller). */
  readonly dir: string;
  readonly adapters: number;
  readonly connections: number;
  /** Requests per scenario and round. */
  readonly requests: number;
  /** Rounds of (single, mixed, merged), interleaved so machine load hits all alike. */
  readonly rounds: number;
  /** Per scenario hard stop. */
  readonly maxSecondsPerScenario: number;
  readonly batchWindowMs: number;
  readonly maxBatch: number;
  /** Hot load/unload cycles timed. */
  readonly hotLoads: number;
  readonly log?: (line: string) => void;
}

/** Server-side state around a scenario. */
export interface ServerSample {
  readonly tensors: number;
  readonly rssMB: number;
}

export interface ScenarioResult {
  readonly scenario: 'single' | 'mixed' | 'merged';
  readonly description: string;
  readonly rounds: readonly LoadResult[];
  /** Medians over rounds. */
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly before: ServerSample;
  readonly after: ServerSample;
}

export interface ServeBenchResult {
  readonly options: Omit<ServeBenchOptions, 'dir' | 'log'>;
  readonly loadAverage: { readonly before: number[]; readonly after: number[] };
  readonly scenarios: readonly ScenarioResult[];
  /**
   * `medianMs`: the server's own load time (compatibility checks, file reads, tensors; its log
   * line), median over the timed cycles; `roundTripMs` adds HTTP and the client.
   */
  readonly hotLoad: {
    readonly roundTripMs: number[];
    readonly serverMs: number[];
    readonly medianMs: number;
    readonly medianRoundTripMs: number;
  };
  readonly targets: {
    readonly mixedVsSingle: number;
    readonly mixedVsSingleOk: boolean;
    readonly hotLoadOk: boolean;
    /** p99 / p50 per scenario. */
    readonly p99OverP50: Record<string, number>;
    readonly p99Ok: boolean;
  };
  /** Anything that makes the run a failure (errors, a server that did not exit 0). */
  readonly failures: readonly string[];
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const load = () => loadavg().map((l) => Number(l.toFixed(2)));

/**
 * The `pnpm bench serve` load test: a LoRA r=8 tiny-BERT sentiment adapter served alone, eight
 * such adapters mixed uniformly at random, and the first one merged into its base (`peftkit
 * merge`) served as a plain base, each with the same connections, batch window and max batch;
 * then hot load/unload of one more adapter. Everything over loopback, bounded in requests and
 * seconds.
 */
export async function benchServe(o: ServeBenchOptions): Promise<ServeBenchResult> {
  const log = o.log ?? (() => {});
  const loadBefore = load();
  log(`bench serve: building ${o.adapters} text adapters and the merged model in ${o.dir}`);
  const fx = await buildTextAdapters(o.dir, o.adapters);
  const common = ['--batch-window-ms', String(o.batchWindowMs), '--max-batch', String(o.maxBatch)];
  const failures: string[] = [];
  // Started together: each spends seconds loading plugins and the model.
  const [adapterServer, mergedServer] = await Promise.all([
    startServe(['--adapters', fx.adaptersDir, ...common]),
    startServe(['--adapters', fx.singleDir, '--base', fx.mergedDir, ...common]),
  ]);
  try {
    // Warm up: every adapter loaded and every code path compiled before measuring.
    for (const name of [...fx.names, 'a1']) {
      await expectOk(adapterServer, { adapter: name, inputs: fx.inputs });
    }
    await expectOk(mergedServer, { adapter: 'base', inputs: fx.inputs });
    const rng = new Rng(7);
    const mixedRoute = Array.from({ length: o.requests }, () => fx.names[rng.int(fx.names.length)] as string);
    const scenarios = [
      {
        scenario: 'single' as const,
        description: 'one adapter (a1)',
        server: adapterServer,
        adapterOf: () => 'a1',
      },
      {
        scenario: 'mixed' as const,
        description: `${fx.names.length} adapters, uniformly at random per request`,
        server: adapterServer,
        adapterOf: (k: number) => mixedRoute[k % mixedRoute.length] as string,
      },
      {
        scenario: 'merged' as const,
        description: 'a1 merged into the base (peftkit merge), served as the base',
        server: mergedServer,
        adapterOf: () => 'base',
      },
    ];
    const runs = new Map<string, LoadResult[]>(scenarios.map((s) => [s.scenario, []]));
    const samples = new Map<string, { before: ServerSample; after: ServerSample }>();
    for (let round = 0; round < o.rounds; round++) {
      for (const s of scenarios) {
        const before = await sample(s.server);
        log(`bench serve: ${s.scenario} round ${round + 1}/${o.rounds} (${o.requests} requests)`);
        const r = await runLoad(s.server.url, {
          connections: o.connections,
          amount: o.requests,
          maxSeconds: o.maxSecondsPerScenario,
          adapterOf: s.adapterOf,
          inputs: fx.inputs,
        });
        runs.get(s.scenario)?.push(r);
        const after = await sample(s.server);
        samples.set(s.scenario, { before: samples.get(s.scenario)?.before ?? before, after });
        const bad = r.errors + r.non2xx + r.timeouts;
        if (bad > 0) failures.push(`${s.scenario} round ${round + 1}: ${bad} errors/non-2xx/timeouts`);
        if (r.cutShort)
          failures.push(`${s.scenario} round ${round + 1}: cut short at ${o.maxSecondsPerScenario} s`);
      }
    }
    const results: ScenarioResult[] = scenarios.map((s) => {
      const rs = runs.get(s.scenario) as LoadResult[];
      const smp = samples.get(s.scenario) as { before: ServerSample; after: ServerSample };
      return {
        scenario: s.scenario,
        description: s.description,
        rounds: rs,
        requestsPerSecond: median(rs.map((r) => r.requestsPerSecond)),
        p50Ms: median(rs.map((r) => r.p50Ms)),
        p99Ms: median(rs.map((r) => r.p99Ms)),
        errors: rs.reduce((n, r) => n + r.errors + r.non2xx + r.timeouts, 0),
        ...smp,
      };
    });
    for (const r of results) {
      if (r.after.tensors !== r.before.tensors) {
        failures.push(`${r.scenario}: live tensors ${r.before.tensors} -> ${r.after.tensors}`);
      }
    }
    const hotLoad = await timeHotLoads(adapterServer, fx.inputs, o.hotLoads, failures);
    const by = (name: string) => results.find((r) => r.scenario === name) as ScenarioResult;
    const mixedVsSingle = by('mixed').requestsPerSecond / by('single').requestsPerSecond;
    const p99OverP50 = Object.fromEntries(results.map((r) => [r.scenario, r.p99Ms / r.p50Ms]));
    return {
      options: {
        adapters: o.adapters,
        connections: o.connections,
        requests: o.requests,
        rounds: o.rounds,
        maxSecondsPerScenario: o.maxSecondsPerScenario,
        batchWindowMs: o.batchWindowMs,
        maxBatch: o.maxBatch,
        hotLoads: o.hotLoads,
      },
      loadAverage: { before: loadBefore, after: load() },
      scenarios: results,
      hotLoad,
      targets: {
        mixedVsSingle,
        mixedVsSingleOk: mixedVsSingle >= 0.8,
        hotLoadOk: hotLoad.medianMs < 100,
        p99OverP50,
        p99Ok: Object.values(p99OverP50).every((x) => x < 3),
      },
      failures,
    };
  } finally {
    for (const [name, s] of [
      ['adapter server', adapterServer],
      ['merged server', mergedServer],
    ] as const) {
      const code = await s.stop();
      if (code !== 0) failures.push(`${name} exited ${code}: ${s.log.slice(-500)}`);
    }
  }
}

async function sample(s: ServeProcess): Promise<ServerSample> {
  return { tensors: await s.metric('peftkit_tensors'), rssMB: Number(s.rssMB().toFixed(1)) };
}

async function expectOk(s: ServeProcess, body: unknown): Promise<void> {
  const r = await s.call('POST', '/v1/predict', body);
  if (r.status !== 200) throw new Error(`warm-up request failed: ${r.status} ${r.text}`);
}

/**
 * `POST /v1/adapters` of a LoRA r=8 adapter not loaded before, then `DELETE`, `n` times: the
 * client round trip and the server's own load time (its log line), after one untimed cycle.
 */
async function timeHotLoads(
  s: ServeProcess,
  inputs: readonly string[],
  n: number,
  failures: string[],
): Promise<ServeBenchResult['hotLoad']> {
  const roundTripMs: number[] = [];
  for (let i = -1; i < n; i++) {
    const started = performance.now();
    const r = await s.call('POST', '/v1/adapters', { name: 'hot', path: path.join('spare', 'hot') });
    const ms = performance.now() - started;
    if (r.status !== 201) failures.push(`hot load ${i + 1}: ${r.status} ${r.text}`);
    if (i >= 0) roundTripMs.push(Number(ms.toFixed(2)));
    const p = await s.call('POST', '/v1/predict', { adapter: 'hot', inputs: [inputs[0]] });
    if (p.status !== 200) failures.push(`predict on hot-loaded adapter: ${p.status} ${p.text}`);
    const d = await s.call('DELETE', '/v1/adapters/hot');
    if (d.status !== 204) failures.push(`hot unload ${i + 1}: ${d.status} ${d.text}`);
  }
  const serverMs = [...s.log.matchAll(/loaded adapter 'hot' \([^,]+, ([\d.]+) ms\)/g)]
    .slice(1)
    .map((m) => Number(m[1]));
  return { roundTripMs, serverMs, medianMs: median(serverMs), medianRoundTripMs: median(roundTripMs) };
}

/** Removes the scratch directory. */
export async function removeScratch(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
}
