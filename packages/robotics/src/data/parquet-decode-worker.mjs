// Decodes parquet rows off the main thread, so a damaged file that sends the decoder into an
// endless loop can be stopped (Worker.terminate) instead of hanging the run: see parquet-rows.ts.
import { parentPort } from 'node:worker_threads';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

parentPort.on('message', async ({ buffer, columns }) => {
  try {
    const metadata = parquetMetadata(buffer);
    const rows = await parquetReadObjects({ file: buffer, metadata, columns, compressors });
    parentPort.postMessage({ rows });
  } catch (err) {
    parentPort.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
});
