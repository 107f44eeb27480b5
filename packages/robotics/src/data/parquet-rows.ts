import * as fs from 'node:fs/promises';
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

/** Most bytes one parquet file may have before we refuse to load it whole (default 1 GiB). */
export const DEFAULT_MAX_PARQUET_BYTES = 1024 ** 3;

/**
 * Reads the rows of one parquet file as objects, only the `columns` that exist in it (so image
 * and video columns are never decoded). Every codec LeRobot writes (snappy, zstd, gzip, brotli,
 * lz4) is supported. Errors name the file.
 */
export async function readParquetRows(
  file: string,
  columns: readonly string[] | undefined,
  maxBytes = DEFAULT_MAX_PARQUET_BYTES,
): Promise<{ rows: Record<string, unknown>[]; columns: string[] }> {
  const stat = await fs.stat(file).catch((err: Error) => {
    throw new Error(`cannot read ${file}: ${err.message}`);
  });
  if (stat.size > maxBytes) throw new Error(`${file}: ${stat.size} bytes, over the limit of ${maxBytes}`);
  const bytes = await fs.readFile(file);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  try {
    const metadata = parquetMetadata(buffer);
    const present = parquetSchema(metadata).children.map((c) => c.element.name);
    const wanted = columns ? columns.filter((c) => present.includes(c)) : present;
    const rows = (await parquetReadObjects({
      file: buffer,
      metadata,
      columns: wanted,
      compressors,
    })) as Record<string, unknown>[];
    return { rows, columns: present };
  } catch (err) {
    throw new Error(`${file}: not a readable parquet file: ${(err as Error).message}`, { cause: err });
  }
}
