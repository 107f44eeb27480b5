import { fileTypeFromBuffer } from 'file-type';
import type { PreprocessorInstance } from '../plugin/preprocessor.js';
import { UserError } from '../plugin/user-error.js';

/** An input given as the bytes of a file: a multipart file part, base64 in JSON or a data: URL. */
export interface ByteInput {
  readonly bytes: Uint8Array;
  /** Lower-case essence without parameters (`image/png`), as sent or sniffed. */
  readonly mediaType: string;
  /** True when `mediaType` was read from the bytes (none, or `application/octet-stream`, was sent). */
  readonly sniffed: boolean;
  /** The upload's file name, or the request field, for messages. */
  readonly name: string;
}

/** A refused input whose HTTP status is not 400: 413 (too large) or 415 (wrong media type). */
export class InputStatusError extends UserError {
  constructor(
    message: string,
    readonly statusCode: 413 | 415,
  ) {
    super(message);
  }
}

/** `{ "base64": "...", "mediaType"?: "image/png", "name"?: "x.png" }` as a JSON input. */
export interface Base64Input {
  readonly base64: string;
  readonly mediaType?: string;
  readonly name?: string;
}

const BASE64_KEYS = new Set(['base64', 'mediaType', 'name']);

/** True for a JSON input object that holds file bytes (only the keys of `Base64Input`). */
export function isBase64Input(value: unknown): value is Base64Input {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.includes('base64') && keys.every((k) => BASE64_KEYS.has(k));
}

// `data:[<type>][;param=value]*;base64,<data>`: only base64 data URLs carry file bytes.
const DATA_URL = /^data:([a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+)?((?:;[^;,]+=[^;,]*)*);base64,/i;

/** True for a string input that is a base64 `data:` URL. */
export function isDataUrl(value: string): boolean {
  return DATA_URL.test(value);
}

/** `Image/PNG; charset=x` -> `image/png`. */
export function mediaTypeEssence(type: string): string {
  return (type.split(';')[0] ?? '').trim().toLowerCase();
}

const OCTET_STREAM = 'application/octet-stream';

/**
 * The media type of `bytes`: the one sent, or (none, or `application/octet-stream`) the one
 * their magic bytes say (`file-type`). Bytes of no recognisable type are a 415 naming `field`.
 */
export async function resolveMediaType(
  bytes: Uint8Array,
  sent: string | undefined,
  field: string,
): Promise<{ mediaType: string; sniffed: boolean }> {
  const declared = sent === undefined ? '' : mediaTypeEssence(sent);
  if (declared !== '' && declared !== OCTET_STREAM) return { mediaType: declared, sniffed: false };
  const found = await fileTypeFromBuffer(bytes);
  if (!found) {
    throw new InputStatusError(
      `${field}: cannot tell the media type from the bytes; send it (a Content-Type for the part, mediaType in JSON)`,
      415,
    );
  }
  return { mediaType: mediaTypeEssence(found.mime), sniffed: true };
}

/** Refuses bytes over `maxFileBytes` (413 naming `field`). */
export function checkFileSize(size: number, maxFileBytes: number, field: string): void {
  if (size > maxFileBytes) {
    throw new InputStatusError(
      `${field}: ${size} bytes, over the ${maxFileBytes}-byte limit per file (--max-file-bytes)`,
      413,
    );
  }
}

/**
 * Decodes strict base64 (standard or URL-safe alphabet, whitespace ignored, padding optional):
 * Node's own decoder skips invalid characters silently, so a damaged string is refused here
 * (400 naming `field`) rather than decoded into other bytes.
 */
export function decodeBase64(text: string, field: string, maxFileBytes: number): Uint8Array {
  const compact = text.replace(/\s+/g, '');
  const body = compact.replace(/={1,2}$/, '');
  if (
    !/^[A-Za-z0-9+/_-]*$/.test(body) ||
    body.length % 4 === 1 ||
    (compact.length !== body.length && compact.length % 4 !== 0)
  ) {
    throw new UserError(
      `${field}: invalid base64 (expected A-Z a-z 0-9 + / or - _, with optional = padding)`,
    );
  }
  // Checked before decoding: the decoded size follows from the length.
  checkFileSize(Math.floor((body.length * 3) / 4), maxFileBytes, field);
  const buf = Buffer.from(body, body.includes('-') || body.includes('_') ? 'base64url' : 'base64');
  if (buf.length === 0) throw new UserError(`${field}: empty file (no bytes after decoding base64)`);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** The bytes of a JSON input (`Base64Input` or a base64 data: URL) with their media type. */
export async function byteInputFromJson(
  input: Base64Input | string,
  field: string,
  maxFileBytes: number,
): Promise<ByteInput> {
  let text: string;
  let sent: string | undefined;
  let name = field;
  if (typeof input === 'string') {
    const m = DATA_URL.exec(input) as RegExpExecArray;
    sent = m[1];
    text = input.slice(m[0].length);
  } else {
    text = input.base64;
    sent = input.mediaType;
    if (input.name !== undefined) name = input.name;
  }
  const bytes = decodeBase64(text, field, maxFileBytes);
  return { bytes, name, ...(await resolveMediaType(bytes, sent, field)) };
}

/**
 * Hands `input` to the preprocessor's `parseBytes`. A preprocessor without it (text, table
 * rows, JSON) or a media type it does not list is a 415 naming `field`; a decoder error is a
 * 400 naming `field`, with the decoder's message.
 */
export async function parseByteInput(
  inst: PreprocessorInstance,
  preprocessorId: string,
  input: ByteInput,
  field: string,
): Promise<unknown> {
  if (!inst.parseBytes) {
    throw new InputStatusError(
      `${field}: preprocessor '${preprocessorId}' takes its inputs as text (a string or JSON), not file bytes`,
      415,
    );
  }
  const accepted = inst.mediaTypes ?? [];
  if (!accepted.includes(input.mediaType)) {
    throw new InputStatusError(
      `${field}: media type ${input.mediaType}${input.sniffed ? ' (read from the bytes)' : ''} is not one preprocessor '${preprocessorId}' takes (${accepted.join(', ')})`,
      415,
    );
  }
  try {
    return await inst.parseBytes(input.bytes, input.mediaType, input.name);
  } catch (err) {
    throw new UserError(`${field}: ${(err as Error).message}`, 2, { cause: err });
  }
}
