export {
  cerMetric,
  ErrorRateMetric,
  type ErrorRateUnit,
  textErrors,
  unitsOf,
  werMetric,
} from './error-rate.js';
export { codesToText, textToCodes } from './text-codes.js';
