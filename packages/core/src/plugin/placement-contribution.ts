import type { Role } from '../peft/roles.js';

/**
 * Contribution point for default adapter placements: `bind(PlacementContribution)...`. Named
 * with a suffix because core's `Placement` is the role map itself (`definePlacement`).
 */
export const PlacementContribution = Symbol.for('peftkit.PlacementContribution');

/** Where a method goes by default: roles (preferred, portable) or explicit module names. */
export interface PlacementDefault {
  readonly targetRoles?: readonly Role[];
  readonly targetModules?: readonly string[] | string;
}

/**
 * Default targets per PEFT method for one architecture, used when the run's `peft` config names
 * neither `targetRoles` nor `targetModules`. Keys are PEFT types (`LORA`, `IA3`, ...); `'*'` is
 * the fallback for methods without an entry.
 *
 * @example
 * { architecture: 'tabular-mlp', defaults: { LORA: { targetRoles: ['ffn.up', 'ffn.down'] },
 *   BOTTLENECK: { targetRoles: ['block.ffn'] }, '*': { targetRoles: ['ffn.up'] } } }
 */
export interface PlacementContribution {
  /** Id of the architecture these defaults are for (one contribution per architecture). */
  readonly architecture: string;
  readonly defaults: Readonly<Record<string, PlacementDefault>>;
}
