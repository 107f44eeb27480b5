export {
  type AllocateRanksOptions,
  allocateRanks,
  allowedRanks,
  DEFAULT_LORA_RANKS,
  type RankCandidate,
} from './allocate-ranks.js';
export {
  type ModuleSensitivity,
  type ModuleSensitivityOptions,
  scoreModuleSensitivity,
} from './module-sensitivity.js';
export { type ProbeAttributionOptions, probeAttribution } from './probe-attribution.js';
