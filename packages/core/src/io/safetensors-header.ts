import {
  isSafetensorsDtype,
  SAFETENSORS_ITEM_SIZE,
  type SafetensorsDtype,
  UNSUPPORTED_SAFETENSORS_DTYPES,
} from './safetensors-dtypes.js';
import { SafetensorsError } from './safetensors-error.js';

/**
 * Upper bound on the JSON header, as in the reference implementation: a corrupt length prefix
 * (or a file that is not safetensors at all) must not make us allocate gigabytes.
 */
export const MAX_SAFETENSORS_HEADER_BYTES = 100_000_000;

/** The key of the optional string-to-string metadata map in the header. */
export const METADATA_KEY = '__metadata__';

/** One validated header entry. Offsets are relative to the start of the data buffer. */
export interface SafetensorsHeaderEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

/** A validated header: every entry checked, and together they tile the data buffer exactly. */
export interface SafetensorsHeader {
  entries: SafetensorsHeaderEntry[];
  metadata: Record<string, string>;
  /** Absolute offset of the data buffer in the file: 8 + header length. */
  dataStart: number;
  /** Length of the data buffer in bytes. */
  dataLength: number;
}

/**
 * Reads the little-endian u64 header length from the first 8 bytes and checks it against the
 * file length and `maxHeaderBytes`. Returns it as a number (safe: it is below the bound).
 */
export function readHeaderLength(
  prefix: Uint8Array,
  fileLength: number,
  source: string,
  maxHeaderBytes = MAX_SAFETENSORS_HEADER_BYTES,
): number {
  if (fileLength < 8 || prefix.length < 8) {
    throw new SafetensorsError(
      source,
      `file is ${fileLength} bytes, shorter than the 8-byte header length prefix (truncated or not safetensors)`,
      { field: 'header length' },
    );
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(maxHeaderBytes)) {
    throw new SafetensorsError(
      source,
      `header length ${n} exceeds the limit of ${maxHeaderBytes} bytes (corrupt, or not a safetensors file)`,
      { field: 'header length' },
    );
  }
  const len = Number(n);
  if (8 + len > fileLength) {
    throw new SafetensorsError(
      source,
      `header length ${len} exceeds the file: only ${fileLength - 8} bytes follow the prefix (truncated?)`,
      { field: 'header length' },
    );
  }
  return len;
}

/** Parses and validates the JSON header; `dataLength` is the size of the buffer after it. */
export function parseHeader(headerBytes: Uint8Array, dataLength: number, source: string): SafetensorsHeader {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsError(source, 'header is not valid UTF-8', { field: 'header' });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SafetensorsError(source, `header is not valid JSON (${(err as Error).message})`, {
      field: 'header',
    });
  }
  if (!isPlainObject(json)) {
    throw new SafetensorsError(source, `header must be a JSON object, got ${describe(json)}`, {
      field: 'header',
    });
  }
  let metadata: Record<string, string> = {};
  const entries: SafetensorsHeaderEntry[] = [];
  for (const [name, value] of Object.entries(json)) {
    if (name === METADATA_KEY) metadata = parseMetadata(value, source);
    else entries.push(parseEntry(name, value, dataLength, source));
  }
  checkCoverage(entries, dataLength, source);
  return { entries, metadata, dataStart: 8 + headerBytes.length, dataLength };
}

function parseMetadata(value: unknown, source: string): Record<string, string> {
  if (!isPlainObject(value)) {
    throw new SafetensorsError(source, `must be an object of strings, got ${describe(value)}`, {
      field: METADATA_KEY,
    });
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') {
      throw new SafetensorsError(source, `metadata values must be strings, got ${describe(v)}`, {
        field: `${METADATA_KEY}.${k}`,
      });
    }
    out[k] = v;
  }
  return out;
}

function parseEntry(
  name: string,
  value: unknown,
  dataLength: number,
  source: string,
): SafetensorsHeaderEntry {
  const fail = (field: string, detail: string): never => {
    throw new SafetensorsError(source, detail, { tensor: name, field });
  };
  if (!isPlainObject(value)) return fail('entry', `must be an object, got ${describe(value)}`);
  for (const field of ['dtype', 'shape', 'data_offsets']) {
    if (!(field in value)) fail(field, 'is missing');
  }
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string') return fail('dtype', `must be a string, got ${describe(dtype)}`);
  if (!isSafetensorsDtype(dtype)) {
    const known = (UNSUPPORTED_SAFETENSORS_DTYPES as readonly string[]).includes(dtype);
    return fail(
      'dtype',
      known
        ? `dtype '${dtype}' is valid safetensors but not supported by peftkit (convert to F32/F16/BF16)`
        : `unknown dtype '${dtype}' (expected one of ${Object.keys(SAFETENSORS_ITEM_SIZE).join(', ')})`,
    );
  }
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInt)) {
    return fail('shape', `must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInt)) {
    return fail('data_offsets', `must be [begin, end] non-negative integers, got ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) return fail('data_offsets', `begin ${begin} is after end ${end}`);
  if (end > dataLength) {
    fail(
      'data_offsets',
      `[${begin}, ${end}] lie outside the data buffer of ${dataLength} bytes (truncated file?)`,
    );
  }
  const count = (shape as number[]).reduce((a, b) => a * b, 1);
  const expected = count * SAFETENSORS_ITEM_SIZE[dtype];
  if (end - begin !== expected) {
    fail(
      'data_offsets',
      `span ${end - begin} bytes but shape [${shape}] of ${dtype} needs ${count} x ${SAFETENSORS_ITEM_SIZE[dtype]} = ${expected} bytes`,
    );
  }
  return { name, dtype, shape: [...(shape as number[])], begin, end };
}

/**
 * The spec requires the entries to tile the data buffer: no overlap (two tensors sharing bytes
 * would alias when mapped) and no holes (unaccounted bytes could hide data).
 */
function checkCoverage(entries: SafetensorsHeaderEntry[], dataLength: number, source: string): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous: SafetensorsHeaderEntry | undefined;
  for (const e of sorted) {
    if (e.begin < cursor) {
      throw new SafetensorsError(
        source,
        `[${e.begin}, ${e.end}] overlap tensor '${previous!.name}' at [${previous!.begin}, ${previous!.end}]`,
        { tensor: e.name, field: 'data_offsets' },
      );
    }
    if (e.begin > cursor) {
      const after = previous ? `after tensor '${previous.name}'` : 'at the start of the data buffer';
      throw new SafetensorsError(
        source,
        `[${e.begin}, ${e.end}] leave a hole of ${e.begin - cursor} bytes ${after} (bytes ${cursor}..${e.begin})`,
        { tensor: e.name, field: 'data_offsets' },
      );
    }
    cursor = e.end;
    previous = e;
  }
  if (cursor !== dataLength) {
    const what = previous ? `the last tensor '${previous.name}' ends at ${cursor}` : 'there are no tensors';
    throw new SafetensorsError(
      source,
      `data buffer has ${dataLength - cursor} trailing bytes not covered by any tensor (${what}, buffer is ${dataLength} bytes)`,
      { field: 'data_offsets' },
    );
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNonNegativeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}
