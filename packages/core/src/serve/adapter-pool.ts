import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { exists } from '../io/read-json.js';
import { PeftModel } from '../peft/index.js';
import type { PeftkitHost } from '../plugin/peftkit-host.js';
import { type LoadedRun, loadRun } from '../plugin/run/load-run.js';
import { addRunAdapter } from '../plugin/run/predict-run.js';
import { readPreprocessorFile } from '../plugin/run/preprocessor-file.js';
import { RUN_FILES } from '../plugin/run/run-files.js';
import { baseDirOf, readRunManifest } from '../plugin/run/run-manifest.js';
import { UserError } from '../plugin/user-error.js';

/** A served adapter: known by name, loaded into the shared base or not. */
export interface AdapterInfo {
  readonly name: string;
  readonly dir: string;
  readonly loaded: boolean;
  /**
   * What it costs against the budget: the tensor bytes it added to the model when it was last
   * loaded (measured with `tf.memory()`), or, until its first load, the size of its
   * `adapter_model.safetensors` as an estimate.
   */
  readonly bytes: number;
  /** Whether `bytes` was measured on a load (false: the file-size estimate). */
  readonly measured: boolean;
}

/** Options of `AdapterPool.open`. */
export interface AdapterPoolOptions {
  /** Directory whose subdirectories are the servable adapters (peftkit runs, HF PEFT adapters). */
  readonly adaptersDir: string;
  /**
   * Base checkpoint for every adapter (default: the one the first adapter records): a directory
   * or a Hub id `org/name[@revision]` (read through the HF cache, see `resolveModelPath`).
   */
  readonly base?: string | undefined;
  /** Resolves a relative `base` (default: `process.cwd()`). */
  readonly cwd?: string | undefined;
  /** Tensor-byte budget for loaded adapters; the least recently used are unloaded past it. */
  readonly budgetBytes: number;
  readonly log?: (line: string) => void;
}

/** Thrown for an adapter that cannot be served next to the others (HTTP 409). */
export class AdapterConflictError extends UserError {}
/** Thrown for an adapter name the pool does not know (HTTP 404). */
export class UnknownAdapterError extends UserError {}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** The name the first adapter gets inside the model (`loadRun` loads it as HF's `default`). */
const FIRST = 'default';

interface Entry {
  dir: string;
  /** Tensor bytes it added when last loaded; the file size until then. */
  bytes: number;
  measured: boolean;
  /** Its name inside the `PeftModel` while loaded. */
  internal: string | undefined;
  /** Its own labels when they differ from the first adapter's (another task, any number of classes). */
  labels: readonly string[] | undefined;
  lastUsed: number;
}

/**
 * The adapters of a server on ONE shared base model: every adapter directory under the adapters
 * dir is known by its directory name; adapters are loaded into the shared `PeftModel` on first
 * use and the least recently used are deleted from it when the loaded ones exceed the byte
 * budget (the most recent one always stays). Not safe for concurrent use: callers serialise
 * access (the server runs everything that touches the model on one queue).
 */
export class AdapterPool {
  private readonly entries = new Map<string, Entry>();
  private clock = 0;
  private internalCount = 0;

  private constructor(
    readonly run: LoadedRun,
    private readonly options: AdapterPoolOptions,
    private readonly root: string,
    /** The base checkpoint every adapter shares (realpath). */
    readonly baseDir: string,
  ) {}

  /**
   * Scans the adapters directory and loads the base with the first adapter (by name), which
   * fixes what the others must match: architecture, head, labels and base checkpoint.
   */
  static async open(host: PeftkitHost, options: AdapterPoolOptions): Promise<AdapterPool> {
    const root = await realDir(options.adaptersDir, '--adapters');
    const found = await scanAdapters(root);
    const first = found[0];
    if (!first) {
      throw new UserError(
        `--adapters ${options.adaptersDir}: no adapter directories in it (a peftkit adapter run or an HF PEFT adapter directory per subdirectory)`,
      );
    }
    const run = await loadRun(host, first.dir, {
      ...(options.base ? { base: options.base } : {}),
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
    const pool = new AdapterPool(run, options, root, await fs.realpath(run.baseDir));
    for (const a of found)
      pool.entries.set(a.name, {
        dir: a.dir,
        bytes: a.bytes,
        measured: false,
        internal: undefined,
        labels: undefined,
        lastUsed: 0,
      });
    const e = pool.entries.get(first.name) as Entry;
    e.internal = FIRST;
    e.lastUsed = ++pool.clock;
    if (!(run.model instanceof PeftModel)) {
      run.model.dispose();
      throw new UserError(`${first.dir} holds a ${run.manifest.kind} model: serve needs adapter runs`);
    }
    // The first adapter came in with the base, so no before/after: count its tensors instead.
    e.bytes = adapterTensorBytes(run.model, FIRST);
    e.measured = true;
    return pool;
  }

  list(): AdapterInfo[] {
    return [...this.entries]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, e]) => ({
        name,
        dir: e.dir,
        loaded: e.internal !== undefined,
        bytes: e.bytes,
        measured: e.measured,
      }));
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The labels to decode `name`'s rows with (the first adapter's unless it has its own). */
  labelsOf(name: string): readonly string[] | undefined {
    return this.entries.get(name)?.labels ?? this.run.labels;
  }

  loadedBytes(): number {
    let sum = 0;
    for (const e of this.entries.values()) if (e.internal !== undefined) sum += e.bytes;
    return sum;
  }

  /**
   * The model's names for `names` (a server name each), loading those not loaded yet and then
   * unloading least recently used others past the budget (never one of `names`).
   */
  async acquire(names: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const wanted = new Set(names);
    for (const name of wanted) {
      const e = this.entries.get(name);
      if (!e)
        throw new UnknownAdapterError(
          `unknown adapter '${name}'; known: ${[...this.entries.keys()].join(', ')}`,
        );
      if (e.internal === undefined) await this.load(name, e);
      e.lastUsed = ++this.clock;
      out.set(name, e.internal as string);
    }
    this.evict(wanted);
    return out;
  }

  /** Registers (and loads) an adapter directory under the adapters dir. */
  async add(name: string, dirPath: string): Promise<AdapterInfo> {
    if (!NAME.test(name))
      throw new UserError(`name '${name}': use letters, digits, '_', '-', '.' (up to 128)`);
    if (this.entries.has(name))
      throw new AdapterConflictError(`adapter '${name}' already exists; DELETE it first`);
    const dir = await this.confine(dirPath);
    const kind = await adapterKind(dir);
    if (!kind)
      throw new UserError(
        `path '${dirPath}': not an adapter directory (no ${RUN_FILES.manifest} or adapter_config.json)`,
      );
    const e: Entry = {
      dir,
      bytes: await weightBytes(dir),
      measured: false,
      internal: undefined,
      labels: undefined,
      lastUsed: 0,
    };
    this.entries.set(name, e);
    try {
      await this.acquire([name]);
    } catch (err) {
      this.entries.delete(name);
      throw err;
    }
    return { name, dir, loaded: true, bytes: e.bytes, measured: e.measured };
  }

  /** Unloads and forgets an adapter. */
  remove(name: string): void {
    const e = this.entries.get(name);
    if (!e) throw new UnknownAdapterError(`unknown adapter '${name}'`);
    if (e.internal !== undefined) this.unload(e);
    this.entries.delete(name);
  }

  dispose(): void {
    this.run.model.dispose();
  }

  private async load(name: string, e: Entry): Promise<void> {
    // The logged time is the whole hot-load cost: checks, file reads and tensor creation.
    const started = performance.now();
    await this.checkCompatible(name, e);
    const internal = `a${++this.internalCount}`;
    // Loads run one at a time on the server's queue, so the difference is this adapter's tensors.
    const bytesBefore = tf.memory().numBytes;
    try {
      await addRunAdapter(this.run, e.dir, internal, { allowOtherLabels: true });
    } catch (err) {
      throw new AdapterConflictError(`adapter '${name}': ${(err as Error).message}`, 2, { cause: err });
    }
    e.internal = internal;
    e.bytes = Math.max(0, tf.memory().numBytes - bytesBefore);
    e.measured = true;
    const ms = (performance.now() - started).toFixed(1);
    this.options.log?.(`serve: loaded adapter '${name}' (${e.bytes} bytes, ${ms} ms)`);
  }

  private unload(e: Entry): void {
    (this.run.model as PeftModel).deleteAdapter(e.internal as string);
    e.internal = undefined;
  }

  private evict(keep: ReadonlySet<string>): void {
    const loaded = [...this.entries]
      .filter(([n, e]) => e.internal !== undefined && !keep.has(n))
      .sort(([, a], [, b]) => a.lastUsed - b.lastUsed);
    for (const [name, e] of loaded) {
      if (this.loadedBytes() <= this.options.budgetBytes) break;
      this.unload(e);
      this.options.log?.(`serve: unloaded adapter '${name}' (budget ${this.options.budgetBytes} bytes)`);
    }
  }

  /** A peftkit run must have been trained on this base (unless --base overrides every run's). */
  private async checkCompatible(name: string, e: Entry): Promise<void> {
    const dir = e.dir;
    if (!(await exists(path.join(dir, RUN_FILES.manifest)))) return; // HF adapter: shapes are checked on load
    const m = await readRunManifest(dir);
    if (m.kind !== 'adapter')
      throw new AdapterConflictError(`adapter '${name}': ${dir} holds a ${m.kind} model, not an adapter`);
    // One head runs every row: its config (pooling, ...) must be the one the others use.
    if (JSON.stringify(m.head.config) !== JSON.stringify(this.run.manifest.head.config)) {
      throw new AdapterConflictError(`adapter '${name}': its head config differs from the first adapter's`);
    }
    const same = JSON.stringify(m.labels) === JSON.stringify(this.run.manifest.labels);
    e.labels = same ? undefined : (m.labels ?? undefined);
    // Inputs are encoded once per batch by the first adapter's preprocessor.
    const [mine, first] = await Promise.all([readPreprocessorFile(dir), readPreprocessorFile(this.run.dir)]);
    if (JSON.stringify(mine) !== JSON.stringify(first)) {
      throw new AdapterConflictError(
        `adapter '${name}': its preprocessor (${RUN_FILES.preprocessor}) differs from the first adapter's; adapters served together share one`,
      );
    }
    if (this.options.base !== undefined) return;
    const own = baseDirOf(dir, m);
    const real = own ? await fs.realpath(own).catch(() => own) : undefined;
    if (real !== this.baseDir) {
      throw new AdapterConflictError(
        `adapter '${name}': trained on base ${own ?? '(none)'}, but this server's base is ${this.baseDir}`,
      );
    }
  }

  /** Resolves a user path against the adapters dir; it must stay inside it after symlinks. */
  private async confine(p: string): Promise<string> {
    const abs = path.resolve(this.root, p);
    const real = await fs.realpath(abs).catch(() => {
      throw new UserError(`path '${p}': no such directory under the adapters dir`);
    });
    const rel = path.relative(this.root, real);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new UserError(`path '${p}': must be a directory inside the adapters dir`);
    }
    return real;
  }
}

async function realDir(dir: string, flag: string): Promise<string> {
  const real = await fs.realpath(dir).catch(() => {
    throw new UserError(`${flag} ${dir}: no such directory`);
  });
  if (!(await fs.stat(real)).isDirectory()) throw new UserError(`${flag} ${dir}: not a directory`);
  return real;
}

async function adapterKind(dir: string): Promise<'run' | 'hf' | undefined> {
  if (await exists(path.join(dir, RUN_FILES.manifest))) return 'run';
  if (await exists(path.join(dir, 'adapter_config.json'))) return 'hf';
  return undefined;
}

/** Bytes of the tensors adapter `name` holds in `model` (its layers and head copies). */
function adapterTensorBytes(model: PeftModel, name: string): number {
  let sum = 0;
  for (const p of model.adapterStateDict(name).values()) {
    sum += p.variable.size * bytesPerElement(p.variable.dtype);
  }
  return sum;
}

function bytesPerElement(dtype: tf.DataType): number {
  return dtype === 'complex64' ? 8 : dtype === 'bool' ? 1 : 4;
}

async function weightBytes(dir: string): Promise<number> {
  const file = path.join(dir, 'adapter_model.safetensors');
  return (await exists(file)) ? (await fs.stat(file)).size : 0;
}

async function scanAdapters(root: string): Promise<{ name: string; dir: string; bytes: number }[]> {
  const out = [];
  const names = (await fs.readdir(root, { withFileTypes: true }))
    .filter((d) => d.isDirectory() && NAME.test(d.name))
    .map((d) => d.name)
    .sort();
  for (const name of names) {
    const dir = path.join(root, name);
    const kind = await adapterKind(dir);
    if (kind === 'run' && (await readRunManifest(dir)).kind !== 'adapter') continue;
    if (kind) out.push({ name, dir, bytes: await weightBytes(dir) });
  }
  return out;
}
