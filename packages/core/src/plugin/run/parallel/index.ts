export { DataParallelGroup, type DataParallelOptions } from './data-parallel-group.js';
export {
  AUTO_WORKERS_MAX_TRAINABLE,
  AUTO_WORKERS_MIN_WORK,
  planWorkers,
  type WorkerPlan,
} from './resolve-workers.js';
