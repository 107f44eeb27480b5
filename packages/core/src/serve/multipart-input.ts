import type { FastifyRequest } from 'fastify';
import { UserError } from '../plugin/user-error.js';
import { type ByteInput, checkFileSize, InputStatusError, resolveMediaType } from './byte-input.js';

/** Limits on a `multipart/form-data` predict request. */
export interface UploadLimits {
  /** Bytes of one file at most (413 above). */
  readonly maxFileBytes: number;
  /** Bytes of all files of one request together at most (413 above). */
  readonly maxUploadBytes: number;
  /** File parts per request at most (`--max-inputs`). */
  readonly maxInputs: number;
}

/** A multipart predict request: its routing fields and its files, in order. */
export interface MultipartPredict {
  readonly adapter?: string;
  readonly adapters?: string[];
  readonly files: ByteInput[];
  /** How each file is named in messages: `file 'x.png' (part 2)`. */
  readonly fields: string[];
}

/**
 * Reads a `multipart/form-data` predict body: an `adapter` field (one name for every file) or
 * one `adapters` field per file (in file order), and one or more file parts, each an input.
 * A part's type is its Content-Type, or read from its bytes when that is absent or
 * `application/octet-stream`. Every refusal is one line naming the part or field.
 */
export async function readMultipartPredict(
  req: FastifyRequest,
  limits: UploadLimits,
): Promise<MultipartPredict> {
  let adapter: string | undefined;
  const adapters: string[] = [];
  const files: ByteInput[] = [];
  const fields: string[] = [];
  let total = 0;
  let part = 0;
  const iterator = req.parts({
    limits: {
      fileSize: limits.maxFileBytes,
      files: limits.maxInputs,
      // `adapters` once per file plus `adapter`; more is a client bug.
      fields: limits.maxInputs + 1,
      fieldSize: 1024,
    },
  });
  try {
    for await (const p of iterator) {
      part++;
      if (p.type === 'field') {
        const value = typeof p.value === 'string' ? p.value : String(p.value);
        if (p.fieldname === 'adapter') {
          if (adapter !== undefined) throw new UserError("multipart field 'adapter': given more than once");
          adapter = value;
        } else if (p.fieldname === 'adapters') {
          adapters.push(value);
        } else {
          throw new UserError(
            `multipart field '${p.fieldname}' (part ${part}): unknown; expected adapter, adapters or file parts`,
          );
        }
        continue;
      }
      const field = `file '${p.filename || p.fieldname}' (part ${part})`;
      let buf: Buffer;
      try {
        buf = await p.toBuffer();
      } catch (err) {
        if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
          throw new InputStatusError(
            `${field}: over the ${limits.maxFileBytes}-byte limit per file (--max-file-bytes)`,
            413,
          );
        }
        throw err;
      }
      checkFileSize(buf.length, limits.maxFileBytes, field);
      total += buf.length;
      if (total > limits.maxUploadBytes) {
        throw new InputStatusError(
          `${field}: the files of this request pass the ${limits.maxUploadBytes}-byte limit per request (--max-upload-bytes)`,
          413,
        );
      }
      if (buf.length === 0) throw new UserError(`${field}: empty file`);
      const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
      files.push({
        bytes,
        name: p.filename || p.fieldname,
        ...(await resolveMediaType(bytes, p.mimetype, field)),
      });
      fields.push(field);
    }
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'FST_FILES_LIMIT') {
      throw new InputStatusError(
        `multipart body: more than ${limits.maxInputs} file parts (--max-inputs)`,
        413,
      );
    }
    if (code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT') {
      throw new InputStatusError(`multipart body: more than ${limits.maxInputs + 1} fields`, 413);
    }
    if (code === 'FST_PROTO_VIOLATION') throw new UserError('multipart body: a reserved field name');
    if (err instanceof UserError) throw err;
    // Anything else comes from parsing the stream (busboy): a malformed body is the client's.
    throw new UserError(`multipart body: ${(err as Error).message}`, 2, { cause: err });
  }
  if (files.length === 0) {
    throw new UserError(
      'multipart body: no file parts (send each input as a file, e.g. curl -F file=@x.png)',
    );
  }
  if (adapters.length > 0) {
    if (adapter !== undefined) {
      throw new UserError(
        'multipart body: give exactly one of adapter (one name) or adapters (one per file)',
      );
    }
    if (adapters.length !== files.length) {
      throw new UserError(`multipart body: ${adapters.length} adapters fields for ${files.length} files`);
    }
    return { adapters, files, fields };
  }
  if (adapter === undefined) {
    throw new UserError('multipart body: missing field adapter (or one adapters field per file)');
  }
  return { adapter, files, fields };
}
