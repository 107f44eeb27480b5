import { timingSafeEqual } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { BASE_ADAPTER } from '../peft/adapter-layer.js';
import type { Prediction } from '../plugin/head.js';
import type { PeftkitHost } from '../plugin/peftkit-host.js';
import { predictExamples } from '../plugin/run/predict-run.js';
import { UserError } from '../plugin/user-error.js';
import { AdapterConflictError, AdapterPool, UnknownAdapterError } from './adapter-pool.js';
import { Batcher } from './batcher.js';
import { addAdapterBodySchema, openApiDocument, predictBodySchema } from './openapi.js';
import { SerialQueue } from './serial-queue.js';
import { ServerMetrics } from './server-metrics.js';

/** Options of `createServer` (the `peftkit serve` flags). */
export interface ServeOptions {
  readonly adaptersDir: string;
  /** A directory or Hub id (resolved against `cwd`). */
  readonly base?: string | undefined;
  readonly cwd?: string | undefined;
  readonly token?: string | undefined;
  readonly batchWindowMs: number;
  readonly maxBatch: number;
  readonly maxBodyBytes: number;
  readonly adapterBudgetBytes: number;
  readonly timeoutMs: number;
  /** Inputs per request at most. */
  readonly maxInputs: number;
  readonly log?: (line: string) => void;
}

/** A running `peftkit serve`: the fastify app plus what it owns. */
export interface PeftkitServer {
  readonly app: FastifyInstance;
  readonly pool: AdapterPool;
  /** Stops accepting, waits for in-flight requests and queued work, frees the model. */
  close(): Promise<void>;
}

/** An input as sent: a string, or a JSON object/array for preprocessors that read JSON. */
type PredictInput = string | Readonly<Record<string, unknown>> | readonly unknown[];

interface PredictBody {
  adapter?: string;
  adapters?: string[];
  inputs: PredictInput[];
}

class TimeoutError extends Error {}

/**
 * Builds the server: loads the shared base with the first adapter under `adaptersDir`, and
 * registers the routes (`/v1/predict`, `/v1/adapters`, `/healthz`, `/metrics`, `/openapi.json`).
 * Domain-free: inputs go to the run's preprocessor (`parseInput`) and the head decodes, exactly
 * as `peftkit predict` does. Call `app.listen` to serve.
 */
export async function createServer(host: PeftkitHost, options: ServeOptions): Promise<PeftkitServer> {
  const pool = await AdapterPool.open(host, {
    adaptersDir: options.adaptersDir,
    base: options.base,
    cwd: options.cwd,
    budgetBytes: options.adapterBudgetBytes,
    ...(options.log ? { log: options.log } : {}),
  });
  const queue = new SerialQueue();
  const metrics = new ServerMetrics();
  const batcher = new Batcher(
    (adapters, examples) =>
      queue.run(async () => {
        const internal = await pool.acquire(adapters.filter((a) => a !== BASE_ADAPTER));
        metrics.batch(adapters.length);
        // One pass for every row; adapters of other tasks (other labels, other class counts) have
        // their rows decoded with their own labels.
        const labelsOf = new Map<string, readonly string[] | undefined>([[BASE_ADAPTER, pool.run.labels]]);
        for (const [name, inModel] of internal) labelsOf.set(inModel, pool.labelsOf(name));
        return predictExamples(pool.run, examples, {
          adapterNames: adapters.map((a) => (a === BASE_ADAPTER ? a : (internal.get(a) as string))),
          labelsOf: (n) => labelsOf.get(n),
          batchSize: options.maxBatch,
        });
      }),
    { windowMs: options.batchWindowMs, maxBatch: options.maxBatch },
  );

  const app = Fastify({
    bodyLimit: options.maxBodyBytes,
    logger: false,
    return503OnClosing: true,
    // A number where a string is expected, or an unknown (misspelt) field, is a client bug to report.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
  });
  let closing = false;
  // While draining, answers close their connection, so keep-alive clients do not hold the exit.
  app.addHook('onSend', async (_req, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  const expected = options.token === undefined ? undefined : Buffer.from(`Bearer ${options.token}`);

  app.addHook('onRequest', async (req, reply) => {
    if (expected === undefined || req.url === '/healthz') return;
    const got = Buffer.from(req.headers.authorization ?? '');
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
      reply.header('www-authenticate', 'Bearer');
      return reply.code(401).send({ error: 'missing or wrong bearer token (Authorization: Bearer <token>)' });
    }
  });
  app.addHook('onResponse', async (req, reply) => {
    metrics.request(req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) =>
    sendError(reply, err, options.log),
  );
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: `no route ${req.method} ${req.url}` }),
  );

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/openapi.json', async () => openApiDocument(options.maxInputs));
  app.get('/metrics', async (_req, reply) => {
    const mem = tf.memory();
    reply.type('text/plain; version=0.0.4');
    return metrics.render({
      adaptersLoaded: pool.list().filter((a) => a.loaded).length,
      adaptersKnown: pool.list().length,
      adapterBytes: pool.loadedBytes(),
      numTensors: mem.numTensors,
      numBytes: mem.numBytes,
    });
  });
  app.get('/v1/adapters', async () => ({
    adapters: pool.list().map(({ name, loaded, bytes }) => ({ name, loaded, bytes })),
  }));
  app.post<{ Body: { name: string; path: string } }>(
    '/v1/adapters',
    { schema: { body: addAdapterBodySchema } },
    async (req, reply) => {
      const info = await queue.run(() => pool.add(req.body.name, req.body.path));
      return reply.code(201).send({ name: info.name, loaded: info.loaded, bytes: info.bytes });
    },
  );
  app.delete<{ Params: { name: string } }>('/v1/adapters/:name', async (req, reply) => {
    await queue.run(async () => pool.remove(req.params.name));
    return reply.code(204).send();
  });
  app.post<{ Body: PredictBody }>(
    '/v1/predict',
    { schema: { body: predictBodySchema(options.maxInputs) } },
    async (req) => {
      const { inputs } = req.body;
      const adapters = routeOf(req.body);
      for (const a of new Set(adapters)) {
        if (a !== BASE_ADAPTER && !pool.has(a)) {
          throw new UnknownAdapterError(`unknown adapter '${a}'; GET /v1/adapters lists them`);
        }
      }
      const examples = await parseInputs(pool, inputs);
      const predictions = await withTimeout(batcher.submit(adapters, examples), options.timeoutMs);
      return {
        predictions: predictions.map((p: Prediction, i) => ({
          input: inputs[i],
          adapter: adapters[i] === BASE_ADAPTER ? 'base' : adapters[i],
          ...p,
        })),
      };
    },
  );

  return {
    app,
    pool,
    async close() {
      closing = true;
      // Requests still running after their own timeout (plus a grace second) are cut off.
      const force = setTimeout(() => app.server.closeAllConnections(), options.timeoutMs + 1000);
      try {
        await app.close();
      } finally {
        clearTimeout(force);
      }
      // Requests that already timed out may still have rows queued: run them before freeing.
      await batcher.drain();
      await queue.idle();
      pool.dispose();
    },
  };
}

/** One adapter name per input (`base` = no adapter). */
function routeOf(body: PredictBody): string[] {
  const { adapter, adapters, inputs } = body;
  if ((adapter === undefined) === (adapters === undefined)) {
    throw new UserError('body: give exactly one of adapter (one name) or adapters (one name per input)');
  }
  if (adapters !== undefined && adapters.length !== inputs.length) {
    throw new UserError(`body: adapters has ${adapters.length} names for ${inputs.length} inputs`);
  }
  const names = adapters ?? inputs.map(() => adapter as string);
  return names.map((n) => (n === 'base' ? BASE_ADAPTER : n));
}

async function parseInputs(pool: AdapterPool, inputs: readonly PredictInput[]): Promise<unknown[]> {
  const inst = pool.run.instance;
  if (!inst.parseInput) {
    throw new UserError(
      `preprocessor '${pool.run.preprocessor.id}' cannot read inputs (it has no parseInput)`,
    );
  }
  const out: unknown[] = [];
  for (const [i, input] of inputs.entries()) {
    try {
      // `predict` reads JSON inputs from the command line as text: the same text reaches the
      // preprocessor here, so the server needs no knowledge of what the JSON means.
      out.push(await inst.parseInput(typeof input === 'string' ? input : JSON.stringify(input)));
    } catch (err) {
      throw new UserError(`inputs[${i}]: ${(err as Error).message}`);
    }
  }
  return out;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`the request took longer than ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function sendError(reply: FastifyReply, err: Error & { statusCode?: number }, log?: (line: string) => void) {
  const status =
    err instanceof UnknownAdapterError
      ? 404
      : err instanceof AdapterConflictError
        ? 409
        : err instanceof UserError
          ? 400
          : err instanceof TimeoutError
            ? 504
            : err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500
              ? err.statusCode
              : 500;
  if (status === 500) log?.(`serve: internal error: ${err.stack ?? err.message}`);
  return reply.code(status).send({ error: status === 500 ? `internal error: ${err.message}` : err.message });
}
