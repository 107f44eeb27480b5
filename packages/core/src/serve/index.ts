export { type AdapterInfo, AdapterPool, type AdapterPoolOptions } from './adapter-pool.js';
export { Batcher, type BatcherOptions, type RunRows } from './batcher.js';
export { createServer, type PeftkitServer, type ServeOptions } from './server.js';
