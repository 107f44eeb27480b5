import * as fs from 'node:fs/promises';
import { checkLimit, DEFAULT_INPUT_LIMITS, InputLimitError, type InputLimits } from '@peftkit/core';
import type { Episode, EpisodeSet, SkippedFeature } from './episode.js';

/** Most bytes of a robomimic file (default 4 GiB). */
export const DEFAULT_MAX_HDF5_BYTES = 4 * 1024 ** 3;

/** What `readRobomimicHdf5` reads besides the file. */
export interface RobomimicReadOptions {
  /** Demos listed under `mask/<filterKey>` only (robomimic filter keys: `train`, `valid`, ...). */
  readonly filterKey?: string | undefined;
  /** Low-dimensional `obs/*` keys concatenated, in this order, into `observation.state`; default all, sorted. */
  readonly obsKeys?: readonly string[] | undefined;
  readonly maxFrames?: number | undefined;
  readonly maxBytes?: number | undefined;
  /** `maxArrayBytes` bounds each dataset read (from its shape, before reading it). */
  readonly limits?: InputLimits | undefined;
}

type H5Dataset = { shape: number[] | null; value: unknown; dtype: unknown };
type H5Group = { keys(): string[]; get(path: string): unknown };

/**
 * Reads a robomimic HDF5 file (`data/demo_N/{actions, obs/*, rewards, dones, states}`, filter
 * keys under `mask/`) through h5wasm. The low-dimensional observation keys are concatenated into
 * `observation.state` (component names `key[i]`), `actions` become `action`; image observations
 * and simulator `states` are listed in `skipped`. Errors name the file, demo and key.
 *
 * @example const set = await readRobomimicHdf5('low_dim.hdf5', { filterKey: 'train' });
 */
export async function readRobomimicHdf5(
  file: string,
  options: RobomimicReadOptions = {},
): Promise<EpisodeSet> {
  const stat = await fs.stat(file).catch((err: Error) => {
    throw new Error(`cannot read ${file}: ${err.message}`);
  });
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_HDF5_BYTES;
  if (stat.size > maxBytes) throw new Error(`${file}: ${stat.size} bytes, over the limit of ${maxBytes}`);
  const head = Buffer.alloc(8);
  const fh = await fs.open(file, 'r');
  await fh.read(head, 0, 8, 0).finally(() => fh.close());
  if (head.toString('latin1') !== '\x89HDF\r\n\x1a\n')
    throw new Error(`${file}: not an HDF5 file (bad signature)`);
  // Loaded on first use: the wasm HDF5 library is only needed for robomimic files.
  const { default: h5wasm } = await import('h5wasm/node');
  const module = await h5wasm.ready;
  // HDF5 prints its error stack to stderr by default; make it throw so the user sees one line.
  module.activate_throwing_error_handler();
  let f: { close(): unknown };
  try {
    f = new h5wasm.File(file, 'r');
  } catch (err) {
    throw new Error(`${file}: cannot open as HDF5: ${innermostHdf5Error(err)}`, { cause: err });
  }
  try {
    return readOpen(f as unknown as H5Group, file, options);
  } catch (err) {
    if (err instanceof InputLimitError) throw err;
    const msg = innermostHdf5Error(err);
    throw new Error(msg.startsWith(file) ? msg : `${file}: ${msg}`, { cause: err });
  } finally {
    f.close();
  }
}

function readOpen(f: H5Group, file: string, options: RobomimicReadOptions): EpisodeSet {
  const data = f.get('data') as H5Group | null;
  if (!data || typeof data.keys !== 'function')
    throw new Error(`${file}: no 'data' group (not a robomimic file)`);
  let demos = data.keys().filter((k) => /^demo_\d+$/.test(k));
  if (options.filterKey !== undefined) {
    const mask = f.get(`mask/${options.filterKey}`) as H5Dataset | null;
    if (!mask) {
      const masks = (f.get('mask') as H5Group | null)?.keys() ?? [];
      throw new Error(
        `${file}: no filter key 'mask/${options.filterKey}' (filter keys: ${masks.join(', ') || 'none'})`,
      );
    }
    const listed = new Set(toStrings(mask.value));
    demos = demos.filter((d) => listed.has(d));
  }
  demos.sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  if (demos.length === 0)
    throw new Error(`${file}: no demos${options.filterKey ? ` in mask/${options.filterKey}` : ''}`);
  const first = data.get(`${demos[0]}/obs`) as H5Group | null;
  if (!first) throw new Error(`${file}: ${demos[0]} has no 'obs' group`);
  const skipped: SkippedFeature[] = [];
  const available = first.keys().sort();
  const lowDim = available.filter((k) => {
    const d = first.get(k) as H5Dataset;
    const rank = d.shape?.length ?? 0;
    if (rank > 2)
      skipped.push({ key: `obs/${k}`, reason: `shape [${d.shape?.join(', ')}] (image observation)` });
    return rank <= 2;
  });
  const obsKeys = options.obsKeys ?? lowDim;
  for (const k of obsKeys) {
    if (!lowDim.includes(k)) {
      throw new Error(
        `${file}: obs key '${k}' is not a low-dimensional observation (available: ${lowDim.join(', ')})`,
      );
    }
  }
  if (obsKeys.length === 0) throw new Error(`${file}: no low-dimensional observations under ${demos[0]}/obs`);
  if ((data.get(`${demos[0]}/states`) as H5Dataset | null) !== null)
    skipped.push({ key: 'states', reason: 'simulator state (not an observation)' });
  const names: string[] = [];
  const dims: number[] = [];
  let frames = 0;
  // A dataset is read whole into float64 at most: its shape bounds what reading it allocates.
  const checkShape = (d: H5Dataset, key: string) => {
    const count = (d.shape ?? []).reduce((a, b) => a * b, 1);
    checkLimit(
      options.limits ?? DEFAULT_INPUT_LIMITS,
      'maxArrayBytes',
      count * 8,
      `${file}: ${key} (shape [${d.shape?.join(', ')}]) needs`,
    );
  };
  const episodes: Episode[] = demos.map((demo) => {
    const actions = data.get(`${demo}/actions`) as H5Dataset | null;
    if (!actions?.shape) throw new Error(`${demo} has no 'actions'`);
    checkShape(actions, `${demo}/actions`);
    const [length, actDim = 1] = actions.shape as [number, number?];
    frames += length;
    if (options.maxFrames !== undefined && frames > options.maxFrames)
      throw new Error(`more than ${options.maxFrames} frames (data.options.maxFrames)`);
    const parts = obsKeys.map((k, i) => {
      const d = data.get(`${demo}/obs/${k}`) as H5Dataset | null;
      if (!d?.shape) throw new Error(`${demo} has no 'obs/${k}'`);
      if (d.shape[0] !== length)
        throw new Error(`${demo}/obs/${k} has ${d.shape[0]} steps, actions have ${length}`);
      const dim = d.shape.length === 2 ? (d.shape[1] as number) : 1;
      if (dims[i] === undefined) {
        dims[i] = dim;
        for (let j = 0; j < dim; j++) names.push(`${k}[${j}]`);
      } else if (dims[i] !== dim)
        throw new Error(`${demo}/obs/${k} has ${dim} components, ${dims[i]} in ${demos[0]}`);
      checkShape(d, `${demo}/obs/${k}`);
      return { values: toFloats(d.value), dim };
    });
    const stateDim = dims.reduce((a, b) => a + b, 0);
    const state = new Float32Array(length * stateDim);
    for (let t = 0; t < length; t++) {
      let off = t * stateDim;
      for (const p of parts) {
        state.set(p.values.subarray(t * p.dim, (t + 1) * p.dim), off);
        off += p.dim;
      }
    }
    const rewards = data.get(`${demo}/rewards`) as H5Dataset | null;
    const dones = data.get(`${demo}/dones`) as H5Dataset | null;
    return {
      index: Number(demo.slice(5)),
      length,
      features: { 'observation.state': state, action: toFloats(actions.value, length * actDim) },
      ...(rewards ? { reward: toFloats(rewards.value, length) } : {}),
      ...(dones ? { done: Uint8Array.from(toFloats(dones.value, length), (v) => (v ? 1 : 0)) } : {}),
    };
  });
  const actionDims = new Set(episodes.map((e) => (e.features['action'] as Float32Array).length / e.length));
  if (actionDims.size > 1)
    throw new Error(`actions have different widths across demos: ${[...actionDims].join(', ')}`);
  return {
    source: file,
    fps: undefined,
    features: {
      'observation.state': { dim: names.length, names },
      action: { dim: [...actionDims][0] as number },
    },
    episodes,
    skipped,
  };
}

function toFloats(v: unknown, expected?: number): Float32Array {
  const out = ArrayBuffer.isView(v)
    ? Float32Array.from(v as unknown as ArrayLike<number>, Number)
    : Float32Array.from(v as number[]);
  if (expected !== undefined && out.length !== expected)
    throw new Error(`expected ${expected} values, found ${out.length}`);
  return out;
}

function toStrings(v: unknown): string[] {
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => (x instanceof Uint8Array ? new TextDecoder().decode(x) : String(x)));
}

/**
 * One line from an HDF5 error stack: the innermost frame's message (`truncated file: eof = ...`),
 * which says what is wrong; other errors pass through.
 */
function innermostHdf5Error(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (!msg.includes('HDF5-DIAG')) return msg;
  const frames = [...msg.matchAll(/ in \w+\(\): ([^\n]+)/g)];
  return frames.at(-1)?.[1]?.trim() ?? msg.split('\n')[0] ?? msg;
}
