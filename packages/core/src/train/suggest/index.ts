export { type AllocateRanksOptions, allocateRanks, type RankCandidate } from './allocate-ranks.js';
export {
  type ModuleSensitivity,
  type ModuleSensitivityOptions,
  scoreModuleSensitivity,
} from './module-sensitivity.js';
