import { checkLimit, DEFAULT_INPUT_LIMITS, type InputLimits, readBytesBounded } from '@peftkit/core';
import { type FileMetaData, parquetMetadata, parquetSchema } from 'hyparquet';
import { decodeParquetOffThread } from './parquet-decode-thread.js';

/** Default `decodeSeconds` of `readParquetRows`. */
export const DEFAULT_PARQUET_DECODE_SECONDS = 120;

/** Most bytes one parquet file may have before we refuse to load it whole (`limits.maxFileBytes`). */
export const DEFAULT_MAX_PARQUET_BYTES = DEFAULT_INPUT_LIMITS.maxFileBytes;

/**
 * Reads the rows of one parquet file as objects, only the `columns` that exist in it (so image
 * and video columns are never decoded). Every codec LeRobot writes (snappy, zstd, gzip, brotli,
 * lz4) is supported. Errors name the file. Bounded by `limits`: the file by `maxFileBytes`, the
 * uncompressed size the footer declares for the wanted columns by `maxInflatedBytes` and their
 * value count (8 bytes each) by `maxArrayBytes`, all checked before any page is decompressed.
 * The pages are decoded on a worker thread shared by every read (`decodeParquetOffThread`),
 * stopped after `decodeSeconds` (a damaged page can make the decoder loop forever).
 */
export async function readParquetRows(
  file: string,
  columns: readonly string[] | undefined,
  limits: InputLimits = DEFAULT_INPUT_LIMITS,
  decodeSeconds = DEFAULT_PARQUET_DECODE_SECONDS,
): Promise<{ rows: Record<string, unknown>[]; columns: string[] }> {
  const bytes = await readBytesBounded(file, limits);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let metadata: FileMetaData;
  let present: string[];
  try {
    metadata = parquetMetadata(buffer);
    present = parquetSchema(metadata).children.map((c) => c.element.name);
  } catch (err) {
    throw new Error(`${file}: not a readable parquet file: ${(err as Error).message}`, { cause: err });
  }
  const wanted = columns ? columns.filter((c) => present.includes(c)) : present;
  checkDeclaredSizes(metadata, wanted, file, limits);
  const rows = await decodeParquetOffThread(buffer, wanted, file, decodeSeconds);
  return { rows, columns: present };
}

/** Sums what the footer declares for the `wanted` columns and checks it against `limits`. */
function checkDeclaredSizes(
  metadata: FileMetaData,
  wanted: readonly string[],
  file: string,
  limits: InputLimits,
) {
  let uncompressed = 0;
  let values = 0;
  for (const group of metadata.row_groups) {
    for (const chunk of group.columns) {
      const meta = chunk.meta_data;
      if (!meta || !wanted.includes(meta.path_in_schema[0] ?? '')) continue;
      uncompressed += Number(meta.total_uncompressed_size);
      values += Number(meta.num_values);
    }
  }
  checkLimit(
    limits,
    'maxInflatedBytes',
    uncompressed,
    `${file}: its columns declare an uncompressed size of`,
  );
  checkLimit(limits, 'maxArrayBytes', values * 8, `${file}: its ${values} column values need`);
}
