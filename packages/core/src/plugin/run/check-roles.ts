import { didYouMean } from '../../common/close-matches.js';
import { isCoreRole, type Role } from '../../peft/roles.js';
import type { PeftkitHost } from '../peftkit-host.js';
import { originOf } from '../run-config/deep-merge.js';
import type { RunConfig } from '../run-config/schema.js';
import { UserError } from '../user-error.js';
import type { BuiltModel } from './build-model.js';

/**
 * Checks the roles of a built run model. A placement using plugin roles its architecture does
 * not list in `declaredRoles` is a plugin bug (the host could not list or de-duplicate them).
 * A `peft.targetRoles` entry the architecture does not map is the user's: one error names it,
 * the closest role, and every role the architecture has (core's and its plugin's).
 */
export function checkRunRoles(
  host: PeftkitHost,
  config: RunConfig,
  built: BuiltModel,
  origins: ReadonlyMap<string, string> = new Map(),
): void {
  const { architecture, placement } = built;
  const listed = architecture.declaredRoles ?? {};
  const unlisted = Object.entries(placement.declaredRoles).filter(
    ([role, description]) => listed[role as keyof typeof listed] !== description,
  );
  if (unlisted.length) {
    const plugin = host.architectures.pluginOf(architecture.id);
    throw new Error(
      `architecture '${architecture.id}'${plugin ? ` (plugin '${plugin}')` : ''}: its placement declares ` +
        `${unlisted.map(([r]) => `'${r}'`).join(', ')} but the architecture's declaredRoles does not list ` +
        'them with the same descriptions; pass the same defineRoles() object to both',
    );
  }
  if (config.peft === 'full') return;
  const asked = (config.peft['targetRoles'] as readonly string[] | undefined) ?? [];
  const problems: string[] = [];
  for (const [i, role] of asked.entries()) {
    if (placement.roles.includes(role as Role)) continue;
    const elsewhere = isCoreRole(role)
      ? ' (a core role it does not map)'
      : host.declaredRoles().some((d) => d.role === role)
        ? ' (a plugin role other architectures use)'
        : '';
    const origin = originOf(origins, ['peft', 'targetRoles', i]);
    problems.push(
      `peft.targetRoles: architecture '${architecture.id}' has no role '${role}'${elsewhere}` +
        `${didYouMean(role, placement.roles)}; its roles: ${placement.roles.join(', ')}` +
        (origin ? ` (from ${origin})` : ''),
    );
  }
  if (problems.length) throw new UserError(problems.join('; '));
}
