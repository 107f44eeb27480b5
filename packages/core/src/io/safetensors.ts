import * as fs from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import {
  type DecodedData,
  type DecodedDtype,
  decodeTensorData,
  type SafetensorsDtype,
} from './safetensors-dtypes.js';
import {
  MAX_SAFETENSORS_HEADER_BYTES,
  parseHeader,
  readHeaderLength,
  type SafetensorsHeader,
} from './safetensors-header.js';

/** One decoded tensor of a safetensors file. */
export interface SafetensorsEntry {
  /** The dtype stored in the file. */
  fileDtype: SafetensorsDtype;
  /** The tfjs dtype `data` holds (F16/BF16/F64 widen to float32, integers narrow to int32). */
  dtype: DecodedDtype;
  shape: number[];
  /**
   * Row-major values. For aligned F32/I32 this is a view of the file buffer (no copy), so it
   * keeps that buffer alive; otherwise a fresh array.
   */
  data: DecodedData;
}

/** The result of parsing a safetensors file, before any tfjs tensor is created. */
export interface ParsedSafetensors {
  tensors: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
}

export interface ParseSafetensorsOptions {
  /** Decode only these tensors (the whole header is still validated). Absent keys are an error. */
  keys?: Iterable<string>;
  /** Bound on the header length (default 100 MB, as in the reference implementation). */
  maxHeaderBytes?: number;
}

/**
 * Parses a safetensors file held in memory. Every structural problem throws a
 * `SafetensorsError` naming `source` and the tensor/field at fault.
 *
 * @example
 * const { tensors, metadata } = parseSafetensors(await fs.readFile(p), p);
 * tensors.get('classifier.weight')?.shape;
 */
export function parseSafetensors(
  bytes: Uint8Array,
  source = '<buffer>',
  options: ParseSafetensorsOptions = {},
): ParsedSafetensors {
  const header = parseSafetensorsHeader(bytes, source, options.maxHeaderBytes);
  const wanted = options.keys ? new Set(options.keys) : undefined;
  const tensors = new Map<string, SafetensorsEntry>();
  if (wanted) {
    const names = new Set(header.entries.map((e) => e.name));
    const absent = [...wanted].filter((k) => !names.has(k));
    if (absent.length)
      throw new Error(`safetensors ${source}: requested tensors not in file: ${absent.join(', ')}`);
  }
  for (const e of header.entries) {
    if (wanted && !wanted.has(e.name)) continue;
    const slice = bytes.subarray(header.dataStart + e.begin, header.dataStart + e.end);
    const count = e.shape.reduce((a, b) => a * b, 1);
    const decoded = decodeTensorData(e.dtype, slice, count, { source, tensor: e.name });
    tensors.set(e.name, { fileDtype: e.dtype, dtype: decoded.dtype, shape: e.shape, data: decoded.data });
  }
  return { tensors, metadata: header.metadata };
}

/** Validates the prefix and header of an in-memory file without decoding any tensor data. */
export function parseSafetensorsHeader(
  bytes: Uint8Array,
  source = '<buffer>',
  maxHeaderBytes = MAX_SAFETENSORS_HEADER_BYTES,
): SafetensorsHeader {
  const n = readHeaderLength(bytes, bytes.length, source, maxHeaderBytes);
  return parseHeader(bytes.subarray(8, 8 + n), bytes.length - 8 - n, source);
}

/** Reads and parses a safetensors file (whole file in memory). */
export async function readSafetensors(
  path: string,
  options: ParseSafetensorsOptions = {},
): Promise<ParsedSafetensors> {
  const bytes = await readFileOrExplain(path);
  return parseSafetensors(bytes, path, options);
}

/**
 * Reads only the prefix and header of a file: tensor names, dtypes, shapes and metadata, for
 * inspecting large or sharded checkpoints cheaply. The header is fully validated against the
 * file size.
 */
export async function readSafetensorsHeader(
  path: string,
  maxHeaderBytes = MAX_SAFETENSORS_HEADER_BYTES,
): Promise<SafetensorsHeader> {
  const handle = await fs.open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    throw explainFsError(path, err);
  });
  try {
    const { size } = await handle.stat();
    const prefix = new Uint8Array(8);
    await handle.read(prefix, 0, Math.min(8, size), 0);
    const n = readHeaderLength(prefix, size, path, maxHeaderBytes);
    const header = new Uint8Array(n);
    await handle.read(header, 0, n, 8);
    return parseHeader(header, size - 8 - n, path);
  } finally {
    await handle.close();
  }
}

/** Turns parsed entries into tfjs tensors (owned by the caller: dispose them). */
export function toTensors(parsed: ParsedSafetensors): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  try {
    for (const [name, e] of parsed.tensors) out.set(name, tf.tensor(e.data, e.shape, e.dtype));
  } catch (err) {
    for (const t of out.values()) t.dispose();
    throw err;
  }
  return out;
}

/**
 * Reads a safetensors file into tfjs tensors. The caller owns the tensors.
 *
 * @example
 * const { tensors, metadata } = await loadSafetensors('adapter_model.safetensors');
 * try { ... } finally { for (const t of tensors.values()) t.dispose(); }
 */
export async function loadSafetensors(
  path: string,
  options: ParseSafetensorsOptions = {},
): Promise<{ tensors: Map<string, tf.Tensor>; metadata: Record<string, string> }> {
  const parsed = await readSafetensors(path, options);
  return { tensors: toTensors(parsed), metadata: parsed.metadata };
}

/**
 * Reads a whole file into a fresh, exactly sized buffer. `fs.readFile` refuses files over 2 GiB;
 * reading in chunks through a handle goes up to the typed-array limit (4 GiB in Node 20), and a
 * fresh buffer (never a pooled slice) is safe for the zero-copy tensor views made from it.
 */
async function readFileOrExplain(path: string): Promise<Uint8Array> {
  const handle = await fs.open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    throw explainFsError(path, err);
  });
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new Error(`safetensors ${path}: cannot read: not a regular file`);
    const size = stat.size;
    if (size > MAX_FILE_BYTES) {
      throw new Error(
        `safetensors ${path}: file is ${size} bytes, more than one buffer can hold here (${MAX_FILE_BYTES}); shard the checkpoint`,
      );
    }
    const out = new Uint8Array(size);
    let at = 0;
    while (at < size) {
      const { bytesRead } = await handle.read(out, at, Math.min(READ_CHUNK, size - at), at);
      if (bytesRead === 0)
        throw new Error(`safetensors ${path}: file shrank while reading (${at} of ${size} bytes)`);
      at += bytesRead;
    }
    return out;
  } finally {
    await handle.close();
  }
}

const READ_CHUNK = 1 << 30;
const MAX_FILE_BYTES = 2 ** 32 - 1;

function explainFsError(path: string, err: NodeJS.ErrnoException): Error {
  const what =
    err.code === 'ENOENT' ? 'file not found' : err.code === 'EISDIR' ? 'is a directory' : err.message;
  return new Error(`safetensors ${path}: cannot read: ${what}`, { cause: err });
}
