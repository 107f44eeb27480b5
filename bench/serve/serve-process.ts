import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './text-adapters.js';

const BIN = path.join(REPO_ROOT, 'packages', 'core', 'bin', 'peftkit.js');

/**
 * A real `peftkit serve` in a child process on a loopback port (the workspace's plugins are
 * discovered from the repository root), with what a load test reads from it: its `/metrics`
 * gauges and its resident set size.
 */
export class ServeProcess {
  private stderr = '';
  url = '';
  readonly exit: Promise<number | null>;

  private constructor(readonly child: ChildProcess) {
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString();
      // Keep the tail only: a long soak logs a line per load/unload.
      if (this.stderr.length > 1 << 20) this.stderr = this.stderr.slice(-(1 << 19));
    });
    this.exit = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  /** Starts `peftkit serve --port 0 <args>` and waits (up to 60 s) for its listening line. */
  static async start(args: readonly string[]): Promise<ServeProcess> {
    const child = spawn(process.execPath, [BIN, 'serve', '--host', '127.0.0.1', '--port', '0', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, PEFTKIT_BACKEND: process.env['PEFTKIT_BACKEND'] ?? 'wasm' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const s = new ServeProcess(child);
    const deadline = Date.now() + 60_000;
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

  /** Resident set size of the server process in MiB (Linux `/proc`). */
  rssMB(): number {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
    return kb / 1024;
  }

  async call(method: string, route: string, body?: unknown): Promise<{ status: number; text: string }> {
    const res = await fetch(this.url + route, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return { status: res.status, text: await res.text() };
  }

  /** One unlabelled gauge or counter of `/metrics`. */
  async metric(name: string): Promise<number> {
    const { text } = await this.call('GET', '/metrics');
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    if (!line) throw new Error(`metric ${name} missing`);
    return Number(line.split(' ')[1]);
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
