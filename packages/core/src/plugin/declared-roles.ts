import type { PluginRole } from '../peft/roles.js';
import type { Architecture } from './architecture.js';
import type { Attributed } from './contributions.js';

/** A role some plugin declared (beyond core's vocabulary), with who declared it. */
export interface DeclaredRole {
  readonly role: PluginRole;
  readonly description: string;
  /** Plugins declaring it (several when they describe it identically), sorted. */
  readonly plugins: readonly string[];
  /** Architectures whose placements use it, sorted. */
  readonly architectures: readonly string[];
}

/** Every plugin role the architectures declare, sorted by name. */
export function declaredRoles(architectures: Iterable<Attributed<Architecture>>): DeclaredRole[] {
  const byRole = new Map<string, { description: string; plugins: string[]; architectures: string[] }>();
  for (const { value, plugin } of architectures) {
    for (const [role, description] of Object.entries(value.declaredRoles ?? {})) {
      const e = byRole.get(role) ?? { description, plugins: [], architectures: [] };
      if (!e.plugins.includes(plugin)) e.plugins.push(plugin);
      e.architectures.push(value.id);
      byRole.set(role, e);
    }
  }
  return [...byRole.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([role, e]) => ({
      role: role as PluginRole,
      description: e.description,
      plugins: [...e.plugins].sort(),
      architectures: [...e.architectures].sort(),
    }));
}

/**
 * Roles that a new plugin's architectures describe differently from a plugin loaded before it,
 * or differently among themselves. The same name with the same description is one role that
 * both plugins may use (two plugins may both adapt `conv.feature`).
 */
export function roleConflicts(
  loaded: Iterable<Attributed<Architecture>>,
  pluginId: string,
  fresh: readonly Architecture[],
): string[] {
  const known = new Map(declaredRoles(loaded).map((d) => [d.role as string, d]));
  const mine = new Map<string, string>();
  const out: string[] = [];
  for (const arch of fresh) {
    for (const [role, description] of Object.entries(arch.declaredRoles ?? {})) {
      const other = known.get(role);
      if (other && other.description !== description) {
        out.push(
          `role '${role}' is declared by both plugin '${other.plugins[0]}' ('${other.description}') and plugin '${pluginId}' ('${description}'); a role has one meaning`,
        );
      } else if (mine.has(role) && mine.get(role) !== description) {
        out.push(`role '${role}' is declared twice by plugin '${pluginId}' with different descriptions`);
      }
      mine.set(role, description);
    }
  }
  return [...new Set(out)];
}
