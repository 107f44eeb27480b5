import type { Episode, FeatureSpec } from './episode.js';

/** Columns of a step row that are bookkeeping, not step features. */
const RESERVED = new Set([
  'episode_index',
  'frame_index',
  'index',
  'timestamp',
  'task_index',
  'task',
  'reward',
  'next.reward',
  'done',
  'next.done',
  'next.success',
]);

/** What `EpisodeBuilder` needs to know besides the rows. */
export interface EpisodeBuilderOptions {
  /** The source, for messages. */
  readonly source: string;
  /** Task names by `task_index` (LeRobot `tasks.jsonl` / `tasks.parquet`). */
  readonly tasks?: ReadonlyMap<number, string> | undefined;
  /** Feature keys to keep; default every numeric column that is not bookkeeping. */
  readonly keep?: ((key: string) => boolean) | undefined;
  /** Refuse sources with more frames than this (memory bound). */
  readonly maxFrames?: number | undefined;
}

interface Pending {
  readonly frames: { frame: number; values: Record<string, Float32Array>; reward?: number; done?: boolean }[];
  task?: string | undefined;
}

/**
 * Collects step rows (one object per frame: `episode_index`, optional `frame_index`, numeric or
 * numeric-array features, optional `reward`/`next.reward`, `done`/`next.done`, `task`/`task_index`)
 * into episodes ordered by index, frames ordered by `frame_index` (else arrival). Every feature
 * must have the same width on every row; errors name the source, episode, frame and feature.
 */
export class EpisodeBuilder {
  private readonly episodes = new Map<number, Pending>();
  private readonly dims = new Map<string, number>();
  private frames = 0;

  constructor(private readonly options: EpisodeBuilderOptions) {}

  /** Adds one row; `where` locates it for messages (e.g. `file.jsonl:12`). */
  add(row: Readonly<Record<string, unknown>>, where: string): void {
    const episode = toInt(row['episode_index'], `${where}: episode_index`);
    if (episode === undefined) throw new Error(`${where}: missing 'episode_index'`);
    let pending = this.episodes.get(episode);
    if (!pending) {
      pending = { frames: [] };
      this.episodes.set(episode, pending);
    }
    const frame = toInt(row['frame_index'], `${where}: frame_index`) ?? pending.frames.length;
    const values: Record<string, Float32Array> = {};
    for (const [key, raw] of Object.entries(row)) {
      if (RESERVED.has(key) || raw === null || raw === undefined) continue;
      if (this.options.keep && !this.options.keep(key)) continue;
      const vec = toVector(raw);
      if (!vec) {
        if (this.options.keep)
          throw new Error(`${where}: feature '${key}' is not a number or a list of numbers`);
        continue; // strings and nested objects are not step features
      }
      const dim = this.dims.get(key);
      if (dim === undefined) this.dims.set(key, vec.length);
      else if (dim !== vec.length) {
        throw new Error(
          `${where}: feature '${key}' has ${vec.length} values in episode ${episode} frame ${frame}, expected ${dim} (as in earlier rows)`,
        );
      }
      values[key] = vec;
    }
    const reward = toNumber(row['next.reward'] ?? row['reward']);
    const doneRaw = row['next.done'] ?? row['done'];
    const done = doneRaw === undefined || doneRaw === null ? undefined : Boolean(doneRaw);
    pending.frames.push({
      frame,
      values,
      ...(reward !== undefined ? { reward } : {}),
      ...(done !== undefined ? { done } : {}),
    });
    const task =
      typeof row['task'] === 'string'
        ? row['task']
        : this.options.tasks?.get(toInt(row['task_index'], `${where}: task_index`) ?? -1);
    if (task !== undefined) pending.task = task;
    this.frames++;
    const max = this.options.maxFrames;
    if (max !== undefined && this.frames > max) {
      throw new Error(`${this.options.source}: more than ${max} frames (data.options.maxFrames)`);
    }
  }

  /** The episodes, ordered by index, and the feature widths. */
  finish(): { episodes: Episode[]; features: Record<string, FeatureSpec> } {
    const src = this.options.source;
    if (this.episodes.size === 0) throw new Error(`${src}: no steps found (empty dataset)`);
    const keys = [...this.dims.keys()];
    const features: Record<string, FeatureSpec> = {};
    for (const k of keys) features[k] = { dim: this.dims.get(k) as number };
    const episodes: Episode[] = [];
    for (const index of [...this.episodes.keys()].sort((a, b) => a - b)) {
      const pending = this.episodes.get(index) as Pending;
      const frames = [...pending.frames].sort((a, b) => a.frame - b.frame);
      frames.forEach((f, i) => {
        if (i > 0 && f.frame === (frames[i - 1] as { frame: number }).frame)
          throw new Error(`${src}: episode ${index} has frame_index ${f.frame} twice`);
      });
      const length = frames.length;
      const out: Record<string, Float32Array> = {};
      for (const k of keys) {
        const dim = this.dims.get(k) as number;
        const buf = new Float32Array(length * dim);
        frames.forEach((f, t) => {
          const v = f.values[k];
          if (!v) throw new Error(`${src}: episode ${index} frame ${f.frame} has no feature '${k}'`);
          buf.set(v, t * dim);
        });
        out[k] = buf;
      }
      const hasReward = frames.some((f) => f.reward !== undefined);
      const hasDone = frames.some((f) => f.done !== undefined);
      episodes.push({
        index,
        length,
        features: out,
        ...(hasReward ? { reward: Float32Array.from(frames, (f) => f.reward ?? 0) } : {}),
        ...(hasDone ? { done: Uint8Array.from(frames, (f) => (f.done ? 1 : 0)) } : {}),
        ...(pending.task !== undefined ? { task: pending.task } : {}),
      });
    }
    return { episodes, features };
  }
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}

function toInt(v: unknown, what: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = Array.isArray(v) && v.length === 1 ? toNumber(v[0]) : toNumber(v);
  if (n === undefined || !Number.isInteger(n) || n < 0)
    throw new Error(`${what} must be a non-negative integer, got ${JSON.stringify(String(v))}`);
  return n;
}

/** A number, boolean or (typed) array of them as float32; undefined for anything else. */
function toVector(v: unknown): Float32Array | undefined {
  const n = toNumber(v);
  if (n !== undefined) return Float32Array.of(n);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const arr = v as unknown as ArrayLike<number | bigint>;
    return Float32Array.from({ length: arr.length }, (_, i) => Number(arr[i]));
  }
  if (Array.isArray(v)) {
    const out = new Float32Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = toNumber(v[i]);
      if (x === undefined) return undefined;
      out[i] = x;
    }
    return out;
  }
  return undefined;
}
