import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { PEFTKIT_BIN, REPO_ROOT } from '../../cli/testing/spawned-cli.js';

/** How to start a `peftkit serve` child process. */
export interface ServeProcessOptions {
  /** The CLI entry; the repository's `packages/core/bin/peftkit.js` by default. */
  readonly bin?: string;
  /** Serve flags after `serve --host 127.0.0.1 --port 0`. */
  readonly args: readonly string[];
  /** Global flags before `serve` (`--plugin m --no-discover`). */
  readonly globalArgs?: readonly string[];
  /** The repository root by default (workspace discovery finds the plugins there). */
  readonly cwd?: string;
  /** Added to the environment; `PEFTKIT_BACKEND` defaults to the caller's, else wasm. */
  readonly env?: Readonly<Record<string, string>>;
  /** Headers every `call` sends unless it passes its own (e.g. a bearer token). */
  readonly headers?: Readonly<Record<string, string>>;
  /** How long to wait for the listening line (ms). */
  readonly timeoutMs?: number;
}

/**
 * A real `peftkit serve` in a child process on a loopback port, for the serve tests, the serve
 * benchmark and the serve soak: started once its listening line appears, with what they read
 * from it (answers, `/metrics` gauges, resident set size) and a SIGTERM stop.
 */
export class ServeProcess {
  private stderr = '';
  url = '';
  readonly exit: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    private readonly headers: Readonly<Record<string, string>>,
  ) {
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString();
      // Keep the tail only: a long soak logs a line per load/unload.
      if (this.stderr.length > 1 << 20) this.stderr = this.stderr.slice(-(1 << 19));
    });
    this.exit = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  /** Spawns the server and waits for `listening on <url>`; throws with its stderr otherwise. */
  static async start(o: ServeProcessOptions): Promise<ServeProcess> {
    const argv = [
      o.bin ?? PEFTKIT_BIN,
      ...(o.globalArgs ?? []),
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      ...o.args,
    ];
    const child = spawn(process.execPath, argv, {
      cwd: o.cwd ?? REPO_ROOT,
      env: { ...process.env, PEFTKIT_BACKEND: process.env['PEFTKIT_BACKEND'] ?? 'wasm', ...o.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const s = new ServeProcess(child, o.headers ?? {});
    const deadline = Date.now() + (o.timeoutMs ?? 60_000);
    while (Date.now() < deadline) {
      const m = /listening on (http:\/\/[^ ]+)/.exec(s.stderr);
      if (m) {
        s.url = m[1] as string;
        return s;
      }
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    throw new Error(`peftkit serve did not start: ${s.stderr}`);
  }

  get log(): string {
    return this.stderr;
  }

  /**
   * One request: an object body is sent as JSON, a string body as is (malformed JSON tests), a
   * `FormData` as `multipart/form-data` (uploads). `json` is the parsed answer, or `{}` when it
   * is not JSON.
   */
  async call(
    method: string,
    route: string,
    body?: unknown,
    headers: Readonly<Record<string, string>> = this.headers,
  ): Promise<{ status: number; json: Record<string, unknown>; text: string }> {
    const form = body instanceof FormData;
    const res = await fetch(this.url + route, {
      method,
      // fetch sets the multipart Content-Type itself (with the boundary).
      headers: { ...headers, ...(body === undefined || form ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined
        ? {}
        : { body: form ? body : typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text);
    } catch {}
    return { status: res.status, json, text };
  }

  /** One unlabelled gauge or counter of `/metrics`. */
  async metric(name: string): Promise<number> {
    const { text } = await this.call('GET', '/metrics');
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    if (!line) throw new Error(`metric ${name} missing:\n${text}`);
    return Number(line.split(' ')[1]);
  }

  /** Resident set size of the server process in MiB (Linux `/proc`). */
  rssMB(): number {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
    return kb / 1024;
  }

  /** SIGTERM (drain, exit 0 expected); resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    try {
      return await this.exit;
    } finally {
      clearTimeout(timer);
    }
  }
}
