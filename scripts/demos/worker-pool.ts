import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import { UserError } from '@peftkit/core';

/** Parent -> child: run one job, or finish. */
export type JobMessage<J> =
  | { readonly type: 'job'; readonly id: number; readonly job: J }
  | { readonly type: 'stop' };

/** Child -> parent: a log line, a finished job, or a failed one. */
export type WorkerMessage<R> =
  | { readonly type: 'log'; readonly line: string }
  | { readonly type: 'done'; readonly id: number; readonly result: R }
  /** The child's CPU seconds (user + system), its last word before it exits. */
  | { readonly type: 'stopped'; readonly cpuSeconds: number }
  | {
      readonly type: 'failed';
      readonly id: number;
      readonly message: string;
      readonly stack?: string;
      /** Set when the job threw a `UserError`: the parent rethrows it as one (same exit code). */
      readonly exitCode?: number;
    };

export interface WorkerPoolOptions {
  /** The child's entry module (a `.ts` file, run through tsx); it calls `serveJobs`. */
  readonly entry: string;
  /** Children to start, capped by the available cores. */
  readonly workers: number;
  /** Extra environment of every child (over the parent's). */
  readonly env?: Readonly<Record<string, string>>;
  /** Where children's log lines and stray output go. */
  readonly log: (line: string) => void;
}

interface Pending<R> {
  readonly resolve: (r: R) => void;
  readonly reject: (e: Error) => void;
}

/** The number of children a demo should start by default: one per core the process may use. */
export const defaultWorkers = () => Math.max(1, os.availableParallelism());

/**
 * Child processes that each run one job at a time, jobs handed out by priority, then first come first served. Each
 * child keeps its own state between jobs (a demo starts tfjs and its plugin host once per child,
 * not once per job). Jobs and results cross as structured clones (`serialization: 'advanced'`).
 * Children run TypeScript through tsx, as `pnpm demo` does, also when the parent runs under vitest.
 */
export class WorkerPool<J, R> {
  private readonly idle: ChildProcess[] = [];
  /** Waiting jobs, highest priority first (first come first served among equals). */
  private readonly queue: { id: number; job: J; priority: number }[] = [];
  private readonly pending = new Map<number, Pending<R>>();
  private readonly busy = new Map<ChildProcess, number>();
  private readonly children: ChildProcess[] = [];
  private nextId = 0;
  private closed = false;
  private cpuSeconds = 0;

  constructor(private readonly o: WorkerPoolOptions) {
    const tsx = createRequire(import.meta.url).resolve('tsx');
    const n = Math.max(1, Math.min(o.workers, os.availableParallelism()));
    for (let i = 0; i < n; i++) {
      const child = fork(o.entry, [], {
        execArgv: ['--import', tsx],
        env: { ...process.env, ...o.env },
        serialization: 'advanced',
        // Children's stdout would corrupt `--json` on ours: everything they print becomes log lines.
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
      for (const stream of [child.stdout, child.stderr]) {
        stream?.setEncoding('utf8');
        stream?.on('data', (chunk: string) => {
          for (const line of chunk.split('\n')) if (line.trim()) o.log(line);
        });
      }
      child.on('message', (m: WorkerMessage<R>) => this.onMessage(child, m));
      child.on('exit', (code, signal) => this.onExit(child, code, signal));
      // A failed send to a child that just died: 'exit' rejects its job; this only keeps the
      // error from crashing the demo.
      child.on('error', (err) => o.log(`demo worker ${child.pid}: ${err.message}`));
      this.children.push(child);
      this.idle.push(child);
    }
  }

  /** The number of children started. */
  get size(): number {
    return this.children.length;
  }

  /**
   * Queues `job`; resolves with its result, rejects with its error. A free worker takes the
   * waiting job of highest `priority` (default 0): give long jobs a higher one, so that they start
   * first and no worker idles at the end while another finishes a long job.
   */
  run(job: J, priority = 0): Promise<R> {
    if (this.closed) return Promise.reject(new Error('worker pool is closed'));
    const id = this.nextId++;
    const result = new Promise<R>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    const at = this.queue.findIndex((q) => q.priority < priority);
    this.queue.splice(at < 0 ? this.queue.length : at, 0, { id, job, priority });
    this.dispatch();
    return result;
  }

  /**
   * Lets every child finish its queue and exit; resolves with their CPU seconds (user + system)
   * once all have exited.
   */
  async close(): Promise<number> {
    this.closed = true;
    await Promise.all(
      this.children.map((child) => {
        if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        if (child.connected) child.send({ type: 'stop' } satisfies JobMessage<J>);
        return exited;
      }),
    );
    return this.cpuSeconds;
  }

  private dispatch(): void {
    while (this.idle.length && this.queue.length) {
      const child = this.idle.shift() as ChildProcess;
      if (!child.connected) continue;
      const { id, job } = this.queue.shift() as { id: number; job: J; priority: number };
      this.busy.set(child, id);
      child.send({ type: 'job', id, job } satisfies JobMessage<J>);
    }
  }

  private onMessage(child: ChildProcess, m: WorkerMessage<R>): void {
    if (m.type === 'log') {
      this.o.log(m.line);
      return;
    }
    if (m.type === 'stopped') {
      this.cpuSeconds += m.cpuSeconds;
      return;
    }
    const p = this.pending.get(m.id);
    this.pending.delete(m.id);
    this.busy.delete(child);
    this.idle.push(child);
    if (m.type === 'done') p?.resolve(m.result);
    else {
      const err = m.exitCode === undefined ? new Error(m.message) : new UserError(m.message, m.exitCode);
      if (m.stack && m.exitCode === undefined) err.stack = m.stack;
      p?.reject(err);
    }
    this.dispatch();
  }

  private onExit(child: ChildProcess, code: number | null, signal: string | null): void {
    const i = this.idle.indexOf(child);
    if (i >= 0) this.idle.splice(i, 1);
    const id = this.busy.get(child);
    this.busy.delete(child);
    const died = new Error(`demo worker exited (code ${code}, signal ${signal}) while running a job`);
    if (id !== undefined) {
      this.pending.get(id)?.reject(died);
      this.pending.delete(id);
    }
    // No child left: nothing would ever run the queued jobs.
    if (!this.closed && this.children.every((c) => c.exitCode !== null || c.signalCode !== null)) {
      for (const { id: queued } of this.queue.splice(0)) {
        this.pending.get(queued)?.reject(died);
        this.pending.delete(queued);
      }
    }
  }
}

/**
 * The child's side: runs each job it is sent with `handle` (one at a time, in order) and reports
 * the result; `log` sends a line to the parent. Exits when told to stop or when the parent goes.
 */
export function serveJobs<J, R>(handle: (job: J, log: (line: string) => void) => Promise<R>): void {
  const send = (m: WorkerMessage<R>) => process.send?.(m);
  const log = (line: string) => send({ type: 'log', line });
  let chain = Promise.resolve();
  process.on('message', (m: JobMessage<J>) => {
    if (m.type === 'stop') {
      chain = chain.then(() => {
        const cpu = process.cpuUsage();
        const last: WorkerMessage<R> = { type: 'stopped', cpuSeconds: (cpu.user + cpu.system) / 1e6 };
        // Disconnect (and so exit) only once the last message is on its way.
        process.send?.(last, undefined, {}, () => process.disconnect());
      });
      return;
    }
    chain = chain.then(async () => {
      try {
        send({ type: 'done', id: m.id, result: await handle(m.job, log) });
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        send({
          type: 'failed',
          id: m.id,
          message: e.message,
          ...(e.stack ? { stack: e.stack } : {}),
          ...(e instanceof UserError ? { exitCode: e.exitCode } : {}),
        });
      }
    });
  });
  process.on('disconnect', () => process.exit(0));
}
