import * as path from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../plugin/user-error.js';
import { initBackend } from '../../runtime/index.js';
import { createServer, DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_UPLOAD_BYTES } from '../../serve/server.js';
import type { CliContext } from '../context.js';

interface ServeFlags {
  adapters: string;
  base?: string;
  host: string;
  port: string;
  token?: string;
  batchWindowMs: string;
  maxBatch: string;
  maxBodyBytes: string;
  adapterBudgetMb: string;
  timeoutMs: string;
  maxInputs: string;
  maxFileBytes: string;
  maxUploadBytes: string;
}

function int(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new UserError(`--${flag} must be an integer >= ${min} (got '${value}')`);
  return n;
}

export function registerServe(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('serve many adapters on one shared base over HTTP (JSON API, batched across adapters)')
    .requiredOption(
      '--adapters <dir>',
      'directory whose subdirectories are adapter runs / HF PEFT adapters, served by name',
    )
    .option(
      '--base <dir|id>',
      'base checkpoint for every adapter, a directory or Hub id org/name[@revision] (default: the one the first adapter records)',
    )
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <n>', 'port (0: any free port)', '8080')
    .option(
      '--token <t>',
      'require Authorization: Bearer <t> on all but /healthz (or env PEFTKIT_SERVE_TOKEN)',
    )
    .option('--batch-window-ms <ms>', 'how long a request waits for others to share its forward pass', '5')
    .option('--max-batch <n>', 'rows per forward pass at most', '32')
    .option('--max-body-bytes <n>', 'request body limit', String(1024 * 1024))
    .option(
      '--adapter-budget-mb <mb>',
      'tensor megabytes of loaded adapters (measured on load) before the least recently used are unloaded',
      '256',
    )
    .option('--timeout-ms <ms>', 'per-request timeout of /v1/predict', '30000')
    .option('--max-inputs <n>', 'inputs per request at most', '256')
    .option(
      '--max-file-bytes <n>',
      'bytes of one uploaded file (multipart part or base64 input)',
      String(DEFAULT_MAX_FILE_BYTES),
    )
    .option(
      '--max-upload-bytes <n>',
      'bytes of all files of one multipart request',
      String(DEFAULT_MAX_UPLOAD_BYTES),
    )
    .action(async (opts: ServeFlags) => {
      const token = opts.token ?? process.env['PEFTKIT_SERVE_TOKEN'];
      if (token !== undefined && token.length === 0) throw new UserError('--token must not be empty');
      const port = int('port', opts.port, 0);
      if (port > 65535) throw new UserError(`--port must be <= 65535 (got ${port})`);
      const options = {
        adaptersDir: path.resolve(ctx.cwd, opts.adapters),
        // A Hub id stays as given; the pool resolves it (and relative paths) against cwd.
        base: opts.base,
        cwd: ctx.cwd,
        token,
        batchWindowMs: int('batch-window-ms', opts.batchWindowMs, 0),
        maxBatch: int('max-batch', opts.maxBatch, 1),
        maxBodyBytes: int('max-body-bytes', opts.maxBodyBytes, 1),
        adapterBudgetBytes: Math.round(Number(opts.adapterBudgetMb) * 1024 * 1024),
        timeoutMs: int('timeout-ms', opts.timeoutMs, 1),
        maxInputs: int('max-inputs', opts.maxInputs, 1),
        maxFileBytes: int('max-file-bytes', opts.maxFileBytes, 1),
        maxUploadBytes: int('max-upload-bytes', opts.maxUploadBytes, 1),
        log: (line: string) => ctx.log(line),
      };
      if (!(Number.isFinite(options.adapterBudgetBytes) && options.adapterBudgetBytes >= 0)) {
        throw new UserError(`--adapter-budget-mb must be a number >= 0 (got '${opts.adapterBudgetMb}')`);
      }
      await initBackend();
      const server = await createServer(await ctx.getHost(), options);
      let address: string;
      try {
        address = await server.app.listen({ host: opts.host, port });
      } catch (err) {
        await server.close();
        throw new UserError(`serve: cannot listen on ${opts.host}:${port}: ${(err as Error).message}`);
      }
      const names = server.pool.list().map((a) => a.name);
      // Tests and supervisors wait for this line.
      ctx.log(`peftkit serve: listening on ${address} (adapters: ${names.join(', ')})`);
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          ctx.log(`peftkit serve: ${signal}: draining in-flight requests`);
          process.off('SIGTERM', onTerm);
          process.off('SIGINT', onInt);
          server.close().then(resolve, (err: unknown) => {
            ctx.log(`peftkit serve: shutdown error: ${(err as Error).message}`);
            resolve();
          });
        };
        const onTerm = () => stop('SIGTERM');
        const onInt = () => stop('SIGINT');
        process.on('SIGTERM', onTerm);
        process.on('SIGINT', onInt);
      });
      ctx.log('peftkit serve: stopped');
    });
}
