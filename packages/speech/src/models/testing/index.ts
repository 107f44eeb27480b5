/** Test-only helpers of the speech models (parity fixtures, LoRA training checks); not exported from the package. */
export * from './fixtures.js';
export * from './lora-step.js';
