export { type AdapterInfo, AdapterPool, type AdapterPoolOptions } from './adapter-pool.js';
export { Batcher, type BatcherOptions, type RunRows } from './batcher.js';
export {
  createServer,
  DEFAULT_MAX_FILE_BYTES,
  DEFAULT_MAX_UPLOAD_BYTES,
  type PeftkitServer,
  type ServeOptions,
} from './server.js';
