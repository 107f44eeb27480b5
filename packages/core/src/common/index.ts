/**
 * Helpers with no domain and no tensors that every layer of core may use (the peft engine's
 * messages as well as the plugin host's): close-match suggestions for mistyped names.
 */
export { closeMatches, didYouMean, editDistance } from './close-matches.js';
export {
  type ByteEdit,
  type FuzzCaseBounds,
  type FuzzOutcome,
  fuzzSettings,
  mutateBytes,
  runFuzzCase,
} from './fuzz-settings.js';
