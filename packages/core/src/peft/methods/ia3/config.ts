import { z } from 'zod';
import { type ConfigInput, defineConfig } from '../../config.js';
import { matchesNameOrSuffix } from '../../targets.js';

/**
 * (IA)³ options, with HF PEFT's names and defaults (`IA3Config`).
 *
 * - `feedforwardModules`: targets whose *input* is rescaled (vector `[1, in]`) instead of their
 *   output (`[out, 1]`). A list entry is a module name/suffix or a placement role (`ffn.down`);
 *   a string is a regular expression that must match the whole module path. Every entry must
 *   name one of the targets (HF: "must be a subset of target_modules").
 * - `fanInFanOut`: kept for `adapter_config.json` compatibility; it has no effect here because
 *   peftkit's `Linear` always holds its weight as `[in, out]` and converts at the file boundary.
 * - `initIa3Weights`: `true` (default) starts every vector at ones, so a fresh adapter is the
 *   identity; `false` draws N(0, 1) as HF does (for tests only).
 *
 * Without `targetModules` and `targetRoles`, the placement's `attn.k`, `attn.v` (or the fused
 * `attn.qkv`) and `ffn.down` are adapted: the IA3 paper's choice. Without `feedforwardModules`,
 * a config whose `targetRoles` include `ffn.down` treats that role as feed-forward, as HF PEFT
 * fills `feedforward_modules` from its defaults (see `resolvePeftDefaults`); set
 * `feedforwardModules: []` to rescale its output instead.
 */
export const ia3Config = defineConfig(
  'IA3',
  {
    feedforwardModules: z.union([z.array(z.string().min(1)), z.string().min(1)]).optional(),
    fanInFanOut: z.boolean().default(false),
    initIa3Weights: z.boolean().default(true),
  },
  (config, ctx) => {
    const ff = config.feedforwardModules;
    if (ff === undefined) return;
    if (typeof ff === 'string') {
      try {
        new RegExp(ff);
      } catch (err) {
        ctx.addIssue({
          code: 'custom',
          path: ['feedforwardModules'],
          message: `not a valid regular expression: ${err instanceof Error ? err.message : String(err)}`,
        });
      }
      return;
    }
    // HF's rule: feedforward modules must be a subset of the targets. Checked here where it can
    // be decided without the model (a list of names); regex and role targets are checked at
    // injection against the modules actually matched.
    const tm = config.targetModules;
    if (!Array.isArray(tm)) return;
    const roles = config.targetRoles ?? [];
    const outside = ff.filter(
      (f) => !roles.includes(f) && !tm.some((t) => t === f || matchesNameOrSuffix(t, f)),
    );
    if (outside.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['feedforwardModules'],
        message:
          `[${outside.join(', ')}] ${outside.length === 1 ? 'is' : 'are'} not among the targets ` +
          `(targetModules [${tm.join(', ')}]${roles.length ? `, targetRoles [${roles.join(', ')}]` : ''}); ` +
          'feedforwardModules must be a subset of the targets, as in HF PEFT',
      });
    }
  },
);

export type Ia3Config = ReturnType<typeof ia3Config.parse>;

/** What `getPeftModel` accepts for IA3 (`peftType: 'IA3'`), for editors to complete and check. */
export type Ia3ConfigInput = ConfigInput<typeof ia3Config>;

/** What one IA3 layer needs for one adapter. */
export interface Ia3LayerSettings {
  /** Rescale the input (`[1, in]`) instead of the output (`[out, 1]`). */
  isFeedforward: boolean;
  initIa3Weights: boolean;
}
