import { timingSafeEqual } from 'node:crypto';
import multipart from '@fastify/multipart';
import * as tf from '@tensorflow/tfjs';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { BASE_ADAPTER } from '../peft/adapter-layer.js';
import type { Prediction } from '../plugin/head.js';
import type { PeftkitHost } from '../plugin/peftkit-host.js';
import { predictExamples } from '../plugin/run/predict-run.js';
import { UserError } from '../plugin/user-error.js';
import { AdapterConflictError, AdapterPool, UnknownAdapterError } from './adapter-pool.js';
import { Batcher } from './batcher.js';
import { InputStatusError } from './byte-input.js';
import { readMultipartPredict } from './multipart-input.js';
import { addAdapterBodySchema, openApiDocument, predictBodySchema } from './openapi.js';
import { type ParsedInputs, type PredictInput, parseFileInputs, parseJsonInputs } from './predict-inputs.js';
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
  /** Bytes of one uploaded file (multipart part or base64 input) at most; default 16 MiB. */
  readonly maxFileBytes?: number | undefined;
  /** Bytes of all files of one multipart request at most; default 64 MiB. */
  readonly maxUploadBytes?: number | undefined;
  readonly log?: (line: string) => void;
}

/** A running `peftkit serve`: the fastify app plus what it owns. */
export interface PeftkitServer {
  readonly app: FastifyInstance;
  readonly pool: AdapterPool;
  /** Stops accepting, waits for in-flight requests and queued work, frees the model. */
  close(): Promise<void>;
}

/** Default `--max-file-bytes`: one uploaded file. */
export const DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024;
/** Default `--max-upload-bytes`: all files of one multipart request. */
export const DEFAULT_MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

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
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allowUnionTypes: true } },
  });
  let closing = false;
  // While draining, answers close their connection, so keep-alive clients do not hold the exit.
  app.addHook('onSend', async (_req, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const maxUploadBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  // File parts are read into memory one at a time, bounded per file and per request.
  await app.register(multipart, { throwFileSizeLimit: true });
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
  app.get('/openapi.json', async () =>
    openApiDocument(options.maxInputs, { maxFileBytes, maxUploadBytes, maxBodyBytes: options.maxBodyBytes }),
  );
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
    // Only JSON bodies are validated by schema; multipart bodies are read part by part.
    {
      schema: { body: { content: { 'application/json': { schema: predictBodySchema(options.maxInputs) } } } },
    },
    async (req) => {
      let adapters: string[];
      let parsed: () => Promise<ParsedInputs>;
      if (req.isMultipart()) {
        const form = await readMultipartPredict(req, {
          maxFileBytes,
          maxUploadBytes,
          maxInputs: options.maxInputs,
        });
        adapters = routeOf({ ...form, inputs: form.files });
        parsed = () => parseFileInputs(pool.run, form.files, form.fields);
      } else if (req.headers['content-type'] === undefined || req.mediaType !== 'application/json') {
        throw new InputStatusError('body: send application/json or multipart/form-data', 415);
      } else {
        const { inputs } = req.body;
        adapters = routeOf(req.body);
        parsed = () => parseJsonInputs(pool.run, inputs, maxFileBytes);
      }
      for (const a of new Set(adapters)) {
        if (a !== BASE_ADAPTER && !pool.has(a)) {
          throw new UnknownAdapterError(`unknown adapter '${a}'; GET /v1/adapters lists them`);
        }
      }
      const { examples, echoes } = await parsed();
      const predictions = await withTimeout(batcher.submit(adapters, examples), options.timeoutMs);
      return {
        predictions: predictions.map((p: Prediction, i) => ({
          input: echoes[i],
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
function routeOf(body: {
  adapter?: string | undefined;
  adapters?: string[] | undefined;
  inputs: readonly unknown[];
}): string[] {
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
        : err instanceof InputStatusError
          ? err.statusCode
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
