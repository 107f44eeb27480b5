export { getRng, nextSeed, Rng, type RngState, setSeed } from './random.js';
