import type * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from './atomic-write.js';
import {
  encodeTensorData,
  SAFETENSORS_ITEM_SIZE,
  type SafetensorsDtype,
  type SafetensorsFloatDtype,
} from './safetensors-dtypes.js';
import { METADATA_KEY } from './safetensors-header.js';

/** Tensors to write, by name. */
export type TensorDict = ReadonlyMap<string, tf.Tensor> | Readonly<Record<string, tf.Tensor>>;

export interface SerializeSafetensorsOptions {
  /**
   * File dtype for float32 tensors (default 'F32', lossless). 'F16' / 'BF16' halve the size,
   * e.g. for adapter files; values are rounded to nearest even and F16 overflows to Infinity
   * beyond +-65504. Integer and bool tensors are unaffected.
   */
  dtype?: SafetensorsFloatDtype;
}

interface Pending {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  bytes: Uint8Array;
}

/**
 * Serializes tensors into safetensors bytes: float32 -> F32 (or `options.dtype`), int32 -> I32,
 * bool -> BOOL. The output is deterministic: header keys are sorted, data is ordered by element
 * size (largest first, so every tensor stays aligned to its element size) then name, and the
 * header is padded with spaces so the data buffer starts at a multiple of 8.
 *
 * @example
 * const bytes = serializeSafetensors(new Map([['w', w]]), { format: 'pt' });
 */
export function serializeSafetensors(
  tensors: TensorDict,
  metadata: Readonly<Record<string, string>> = {},
  options: SerializeSafetensorsOptions = {},
): Uint8Array {
  const floatDtype = options.dtype ?? 'F32';
  if (!['F32', 'F16', 'BF16'].includes(floatDtype)) {
    throw new Error(`serializeSafetensors: dtype must be F32, F16 or BF16, got '${floatDtype}'`);
  }
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const pending: Pending[] = [];
  for (const [name, t] of entries) {
    if (name === METADATA_KEY)
      throw new Error(`serializeSafetensors: '${METADATA_KEY}' is reserved, not a tensor name`);
    if (t.dtype !== 'float32' && t.dtype !== 'int32' && t.dtype !== 'bool') {
      throw new Error(
        `serializeSafetensors: tensor '${name}' has dtype ${t.dtype}, which safetensors output does not support`,
      );
    }
    const data = t.dataSync() as Float32Array | Int32Array | Uint8Array;
    const { dtype, bytes } = encodeTensorData(data, t.dtype, floatDtype);
    pending.push({ name, dtype, shape: [...t.shape], bytes });
  }
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') {
      throw new Error(`serializeSafetensors: metadata '${k}' must be a string, got ${typeof v}`);
    }
  }

  const byName = (a: Pending, b: Pending) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const dataOrder = [...pending].sort(
    (a, b) => SAFETENSORS_ITEM_SIZE[b.dtype] - SAFETENSORS_ITEM_SIZE[a.dtype] || byName(a, b),
  );
  const offsets = new Map<string, [number, number]>();
  let cursor = 0;
  for (const p of dataOrder) {
    offsets.set(p.name, [cursor, cursor + p.bytes.length]);
    cursor += p.bytes.length;
  }

  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header[METADATA_KEY] = sortedRecord(metadata);
  for (const p of [...pending].sort(byName)) {
    header[p.name] = { dtype: p.dtype, shape: p.shape, data_offsets: offsets.get(p.name) };
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = json.length + ((8 - ((8 + json.length) % 8)) % 8);

  const out = new Uint8Array(8 + headerLength + cursor);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength); // the spec allows trailing spaces as padding
  let at = 8 + headerLength;
  for (const p of dataOrder) {
    out.set(p.bytes, at);
    at += p.bytes.length;
  }
  return out;
}

/**
 * Writes tensors as a safetensors file, atomically: the old file survives any failure, including
 * one during serialization.
 */
export async function saveSafetensors(
  path: string,
  tensors: TensorDict,
  metadata: Readonly<Record<string, string>> = {},
  options: SerializeSafetensorsOptions = {},
): Promise<void> {
  await writeFileAtomic(path, () => serializeSafetensors(tensors, metadata, options));
}

function sortedRecord(r: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k]!;
  return out;
}
