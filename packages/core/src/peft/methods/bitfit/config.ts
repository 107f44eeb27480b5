import { z } from 'zod';
import { type ConfigInput, defineConfig } from '../../config.js';

/**
 * BitFit (Ben Zaken et al., 2022; `peft_type: "BITFIT"`, peftkit-only: HF PEFT has no BitFit):
 * only bias terms train, in place.
 *
 * - No `targetModules` / `targetRoles`: every bias of the model (Linear, Conv, norm biases).
 * - With them (and/or `layersToTransform`, `excludeModules`): the biases inside the matched modules.
 * - `keepOriginals` (default true): keep a copy of the original biases so `disableAdapter`,
 *   several BitFit adapters and `unload()` work; false saves that (tiny) memory, one adapter only.
 */
export const bitfitConfig = defineConfig(
  'BITFIT',
  {
    keepOriginals: z.boolean().default(true),
  },
  (config, ctx) => {
    if (config.targetModules === 'all-linear') {
      ctx.addIssue({
        code: 'custom',
        path: ['targetModules'],
        message: "'all-linear' is a tuner shorthand; BitFit trains every bias when no targets are given",
      });
    }
  },
);

export type BitfitConfig = ReturnType<typeof bitfitConfig.parse>;

/** What `getPeftModel` accepts for BITFIT (`peftType: 'BITFIT'`), for editors to complete and check. */
export type BitfitConfigInput = ConfigInput<typeof bitfitConfig>;
