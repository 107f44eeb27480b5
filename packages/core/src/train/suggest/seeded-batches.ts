import type { AnyModule } from '../../nn/module.js';
import { getRng, setSeed } from '../../runtime/random.js';
import type { BatchSource } from '../data/data-loader.js';

export interface SeededBatchesOptions<B> {
  readonly model: AnyModule;
  readonly batches: BatchSource<B>;
  /** Batches to visit; the loader's epochs repeat as needed. */
  readonly count: number;
  readonly seed: number;
  /** Names the caller in the error for a loader without batches. */
  readonly caller: string;
}

/**
 * Calls `visit` on `count` batches of `batches` from a seeded start (the RNG and the loader's
 * shuffle seeded with `seed`), epochs repeating as needed, with the model in eval mode (no dropout
 * noise), disposing each batch after its visit. The model's mode, the RNG and the loader's
 * position are restored afterwards, also on error, so measuring a model leaves no trace on the
 * run that follows. A loader that yields no batch is an error naming `caller`.
 */
export async function visitSeededBatches<B>(
  o: SeededBatchesOptions<B>,
  visit: (batch: B) => void | Promise<void>,
): Promise<void> {
  const wasTraining = o.model.training;
  const rngState = getRng().getState();
  let seen = 0;
  try {
    setSeed(o.seed);
    o.batches.reset();
    o.batches.initSeed();
    o.model.eval();
    while (seen < o.count) {
      let any = false;
      for await (const batch of o.batches) {
        any = true;
        try {
          await visit(batch);
        } finally {
          o.batches.disposeBatch(batch);
        }
        seen += 1;
        if (seen >= o.count) break;
      }
      if (!any) throw new Error(`${o.caller}: loader '${o.batches.name}' produced no batches`);
    }
  } finally {
    o.model.train(wasTraining);
    o.batches.reset();
    getRng().setState(rngState);
  }
}
