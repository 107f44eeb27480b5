import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Rng } from '@peftkit/core';
import { startServe } from '../../bench/serve/serve-process.js';
import { buildTextAdapters } from '../../bench/serve/text-adapters.js';

/** Options of `serveSoak`. */
export interface ServeSoakOptions {
  /** Seconds of random traffic (checkpoints not included). */
  readonly seconds: number;
  /** Quiescent checkpoints (tensor count, RSS) spread over the run; the first one after warm-up. */
  readonly checkpoints: number;
  /** Concurrent clients. */
  readonly clients: number;
  readonly seed: number;
  readonly log?: (line: string) => void;
}

/** One quiescent checkpoint: traffic paused, hot adapters deleted, the same request sent. */
export interface ServeSoakSample {
  readonly second: number;
  readonly tensors: number;
  readonly tensorBytes: number;
  readonly adaptersLoaded: number;
  readonly rssMB: number;
}

export interface ServeSoakResult {
  readonly seconds: number;
  readonly operations: Record<string, number>;
  /** Unexpected answers (status not one the operation allows) or failed connections. */
  readonly errors: readonly string[];
  readonly samples: readonly ServeSoakSample[];
  readonly tensorGrowth: number;
  readonly rssGrowthMB: number;
  readonly rssPeakMB: number;
  readonly exitCode: number | null;
}

/**
 * The serving soak: a real `peftkit serve` with eight LoRA text adapters and a budget that
 * holds about three, under random traffic from concurrent clients (predicts for one adapter,
 * mixed per-input adapters or the bare base; hot loads and unloads of extra adapters, where a
 * 409 for a name in use and a 404 for a name already gone are expected answers). At each
 * checkpoint the traffic pauses and the server is brought to the same state, so its live
 * tensor count must be the same every time.
 */
export async function serveSoak(o: ServeSoakOptions): Promise<ServeSoakResult> {
  const log = o.log ?? (() => {});
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-serve-soak-'));
  try {
    const fx = await buildTextAdapters(dir, 8);
    const firstBytes = (await fs.stat(path.join(fx.adaptersDir, 'a1', 'adapter_model.safetensors'))).size;
    // About three adapters' tensors (a little less than their files): constant LRU churn.
    const budgetMb = (3 * firstBytes) / (1024 * 1024);
    const server = await startServe(['--adapters', fx.adaptersDir, '--adapter-budget-mb', String(budgetMb)]);
    const rng = new Rng(o.seed);
    const operations: Record<string, number> = {};
    const errors: string[] = [];
    const samples: ServeSoakSample[] = [];
    const hotNames = ['hot0', 'hot1', 'hot2', 'hot3'];
    const started = Date.now();
    const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)] as T;

    const op = async (): Promise<void> => {
      const x = rng.uniform();
      const inputs = Array.from({ length: 1 + rng.int(4) }, () => pick(fx.inputs));
      let kind: string;
      let res: { status: number; text: string };
      let allowed: number[];
      if (x < 0.5) {
        kind = 'predict';
        res = await server.call('POST', '/v1/predict', { adapter: pick([...fx.names, 'base']), inputs });
        allowed = [200];
      } else if (x < 0.8) {
        kind = 'predict-mixed';
        res = await server.call('POST', '/v1/predict', {
          adapters: inputs.map(() => pick(fx.names)),
          inputs,
        });
        allowed = [200];
      } else if (x < 0.9) {
        kind = 'load';
        res = await server.call('POST', '/v1/adapters', {
          name: pick(hotNames),
          path: path.join('spare', 'hot'),
        });
        allowed = [201, 409];
      } else {
        kind = 'unload';
        res = await server.call('DELETE', `/v1/adapters/${pick(hotNames)}`);
        allowed = [204, 404];
      }
      operations[`${kind} ${res.status}`] = (operations[`${kind} ${res.status}`] ?? 0) + 1;
      if (!allowed.includes(res.status)) errors.push(`${kind}: ${res.status} ${res.text.slice(0, 200)}`);
    };

    const checkpoint = async (): Promise<void> => {
      for (const name of hotNames) {
        const r = await server.call('DELETE', `/v1/adapters/${name}`);
        if (r.status !== 204 && r.status !== 404) errors.push(`checkpoint unload: ${r.status} ${r.text}`);
      }
      // The same three adapters, least recent first: the LRU ends holding exactly these.
      for (const name of ['a3', 'a2', 'a1']) {
        const r = await server.call('POST', '/v1/predict', { adapter: name, inputs: [fx.inputs[0]] });
        if (r.status !== 200) errors.push(`checkpoint predict: ${r.status} ${r.text}`);
      }
      const s: ServeSoakSample = {
        second: Math.round((Date.now() - started) / 1000),
        tensors: await server.metric('peftkit_tensors'),
        tensorBytes: await server.metric('peftkit_tensor_bytes'),
        adaptersLoaded: await server.metric('peftkit_adapters_loaded'),
        rssMB: Number(server.rssMB().toFixed(1)),
      };
      samples.push(s);
      log(
        `serve soak: ${s.second} s: ${s.tensors} tensors (${s.tensorBytes} bytes), ${s.adaptersLoaded} adapters loaded, RSS ${s.rssMB} MB, ${errors.length} errors`,
      );
    };

    let exitCode: number | null = null;
    try {
      // Warm-up traffic, then checkpoints between equal slices of random traffic.
      const slice = (o.seconds * 1000) / o.checkpoints;
      await traffic(op, o.clients, Math.min(slice, 3000), errors);
      await checkpoint();
      for (let c = 0; c < o.checkpoints; c++) {
        await traffic(op, o.clients, slice, errors);
        await checkpoint();
      }
    } finally {
      exitCode = await server.stop();
    }
    const first = samples[0] as ServeSoakSample;
    const last = samples.at(-1) as ServeSoakSample;
    return {
      seconds: (Date.now() - started) / 1000,
      operations,
      errors,
      samples,
      tensorGrowth: Math.max(...samples.map((s) => s.tensors)) - first.tensors,
      rssGrowthMB: last.rssMB - first.rssMB,
      rssPeakMB: Math.max(...samples.map((s) => s.rssMB)),
      exitCode,
    };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** `clients` loops each running `op` back to back for `ms`. */
async function traffic(
  op: () => Promise<void>,
  clients: number,
  ms: number,
  errors: string[],
): Promise<void> {
  const deadline = Date.now() + ms;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (Date.now() < deadline) {
        try {
          await op();
        } catch (err) {
          errors.push(`request failed: ${(err as Error).message}`);
        }
      }
    }),
  );
}
