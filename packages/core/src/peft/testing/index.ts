/**
 * The PEFT method tests' shared kit (test-only; not exported from the package): tiny models with
 * HF module names and placements, fixed inputs, a training loop, adapter-file readers and the
 * assertions every method repeats.
 */
export * from './adapter-dir.js';
export * from './expectations.js';
export * from './fixtures.js';
export * from './tiny-bert.js';
export * from './tiny-conv-nets.js';
export * from './tiny-encoder.js';
export * from './train.js';
