import { z } from 'zod';
import { type ConfigInput, defineConfig } from '../../config.js';

/**
 * SELECTIVE (peftkit-only `peft_type`): trains a chosen subset of the base model's own parameters
 * in place; `trainableModules: 'full'` trains all of them (full fine-tuning, the degenerate case).
 *
 * - `trainableModules`: module names (exact path or dotted suffix, as `targetModules`), a regex
 *   matching the whole path, or the literal `'full'` (never read as a regex). Every parameter of a
 *   matched module (and of its submodules) trains.
 * - `targetRoles` / `layersToTransform` / `excludeModules` / `layersPattern` narrow or extend the
 *   selection as for tuner methods. `targetModules` is accepted as a synonym of a name list and
 *   unioned with `trainableModules` (loading an adapter re-targets through it).
 * - `keepOriginals` (default true): keep a copy of the original values so `disableAdapter`,
 *   several adapters and `unload()` work; false saves that memory (one adapter only).
 */
export const selectiveConfig = defineConfig(
  'SELECTIVE',
  {
    trainableModules: z
      .union([z.literal('full'), z.array(z.string().min(1)).min(1), z.string().min(1)])
      .optional(),
    keepOriginals: z.boolean().default(true),
  },
  (config, ctx) => {
    const hasNames = Array.isArray(config.targetModules)
      ? config.targetModules.length > 0
      : !!config.targetModules;
    if (config.trainableModules === undefined && !hasNames && !config.targetRoles?.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['trainableModules'],
        message: "give module names, a regex or 'full' (or targetRoles) to say what trains",
      });
    }
    if (config.trainableModules === 'full') {
      for (const field of ['targetRoles', 'layersToTransform', 'excludeModules', 'layersPattern'] as const) {
        if (config[field] !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [field],
            message:
              "cannot be combined with trainableModules: 'full' (full fine-tuning trains every parameter)",
          });
        }
      }
    }
    if (config.targetModules === 'all-linear') {
      ctx.addIssue({
        code: 'custom',
        path: ['targetModules'],
        message: "'all-linear' is a tuner shorthand; name the modules in trainableModules",
      });
    }
  },
);

export type SelectiveConfig = ReturnType<typeof selectiveConfig.parse>;

/** What `getPeftModel` accepts for SELECTIVE (`peftType: 'SELECTIVE'`), for editors to complete and check. */
export type SelectiveConfigInput = ConfigInput<typeof selectiveConfig>;

/** The full fine-tuning baseline: every parameter of the base model trains. */
export const FULL_FINE_TUNING = Object.freeze({ peftType: 'SELECTIVE', trainableModules: 'full' as const });
