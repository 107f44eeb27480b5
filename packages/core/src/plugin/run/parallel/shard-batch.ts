import * as tf from '@tensorflow/tfjs';
import type { ModelBatch } from '../../preprocessor.js';

/**
 * A batch value as it crosses to a worker thread: tensors become host arrays (transferable), and
 * arrays and plain objects (a forward's options, masks) keep their structure.
 */
export type WireValue =
  | {
      readonly t: 'tensor';
      readonly dtype: tf.DataType;
      readonly shape: number[];
      readonly data: tf.TypedArray | string[];
    }
  | { readonly t: 'array'; readonly items: WireValue[] }
  | { readonly t: 'object'; readonly entries: [string, WireValue][] }
  | { readonly t: 'value'; readonly value: unknown };

/** How many examples each rank gets: as even as possible, the first ranks one more. */
export function shardSizes(size: number, ranks: number): number[] {
  const base = Math.floor(size / ranks);
  const extra = size % ranks;
  return Array.from({ length: ranks }, (_, r) => base + (r < extra ? 1 : 0));
}

/**
 * Examples `[start, start + count)` of `batch`. A tensor whose first dimension is the batch size
 * is cut along it; every other value (non-batch tensors, numbers, strings, options) is shared
 * whole. Per-example data must therefore be tensors with the batch on axis 0 (which is what
 * `collate` produces for every preprocessor in the repo). The caller disposes the returned tensors
 * (`disposeShard`).
 */
export function localShard<B extends ModelBatch>(batch: B, start: number, count: number): B {
  const cut = (v: unknown): unknown => {
    if (v instanceof tf.Tensor) return batchMajor(v, batch.size) ? tf.slice(v, start, count) : v.clone();
    if (Array.isArray(v)) return v.map(cut);
    if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cut(x)]));
    return v;
  };
  const out = cut(batch) as Record<string, unknown>;
  out['size'] = count;
  return out as unknown as B;
}

/** Frees every tensor `localShard` or `fromWire` made. */
export function disposeShard(shard: ModelBatch): void {
  const visit = (v: unknown): void => {
    if (v instanceof tf.Tensor) v.dispose();
    else if (Array.isArray(v)) v.forEach(visit);
    else if (isPlainObject(v)) Object.values(v).forEach(visit);
  };
  visit(shard);
}

/** Examples `[start, start + count)` of `batch` as host data, with the buffers to transfer. */
export function wireShard(
  batch: ModelBatch,
  start: number,
  count: number,
): { wire: WireValue; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const enc = (v: unknown, path: string): WireValue => {
    if (v instanceof tf.Tensor) {
      const part = batchMajor(v, batch.size) ? tf.slice(v, start, count) : v;
      const raw = part.dataSync();
      if (part !== v) part.dispose();
      // A copy: the backend may hand out its own storage, which transferring would detach.
      const data = Array.isArray(raw) ? [...(raw as string[])] : (raw as tf.TypedArray).slice();
      if (!Array.isArray(data)) transfer.push(data.buffer as ArrayBuffer);
      const shape = [...v.shape];
      if (part !== v) shape[0] = count;
      return { t: 'tensor', dtype: v.dtype, shape, data };
    }
    if (Array.isArray(v)) return { t: 'array', items: v.map((x, i) => enc(x, `${path}[${i}]`)) };
    if (isPlainObject(v)) {
      return { t: 'object', entries: Object.entries(v).map(([k, x]) => [k, enc(x, `${path}.${k}`)]) };
    }
    if (typeof v === 'function' || typeof v === 'symbol') {
      throw new Error(
        `training.workers: batch field ${path} is a ${typeof v}, which cannot be sent to a worker`,
      );
    }
    return { t: 'value', value: v };
  };
  const entries = Object.entries(batch).map(([key, v]): [string, WireValue] => [
    key,
    key === 'size' ? { t: 'value', value: count } : enc(v, `batch.${key}`),
  ]);
  return { wire: { t: 'object', entries }, transfer };
}

/** Rebuilds a batch (tensors included) from `wireShard`'s output. */
export function fromWire(w: WireValue): unknown {
  switch (w.t) {
    case 'tensor':
      return tf.tensor(w.data as tf.TypedArray, w.shape, w.dtype);
    case 'array':
      return w.items.map(fromWire);
    case 'object':
      return Object.fromEntries(w.entries.map(([k, x]) => [k, fromWire(x)]));
    case 'value':
      return w.value;
  }
}

function batchMajor(t: tf.Tensor, size: number): boolean {
  return t.rank >= 1 && t.shape[0] === size;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
