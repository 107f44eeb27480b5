import type { Rng } from '@peftkit/core';

/**
 * What random augmentation needs: whether we are training (augmentation is a no-op otherwise) and
 * the batch's seeded generator. Core's preprocessor `EncodeContext` satisfies it.
 */
export interface AugmentContext {
  readonly training: boolean;
  readonly rng: Rng;
}
