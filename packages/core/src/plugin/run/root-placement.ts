import { definePlacement, type Placement, type PlacementSpec } from '../../peft/index.js';
import type { PluginRole, Role } from '../../peft/roles.js';
import type { HeadedModel } from '../head.js';

/**
 * The architecture's placement moved under the head's `basePath`, plus the `head` role at the
 * head's own modules: the role map of the model that is actually adapted.
 *
 * @example
 * rootPlacement(mlpPlacement, { basePath: 'mlp', headPaths: ['classifier'], model });
 * // layers 'mlp.layers', modelRoles { embed: ['mlp.input'], head: ['classifier'] }
 * rootPlacement(t5Placement, { basePath: '', headPaths: [], model: t5 }); // paths unchanged
 */
export function rootPlacement(placement: Placement, headed: HeadedModel): Placement {
  const base = headed.basePath;
  // basePath '' (the headed model is the base): the architecture's paths stay as they are.
  const under = (p: string) => (p && base ? `${base}.${p}` : p || base);
  const modelRoles: Partial<Record<Role, readonly string[]>> = {};
  for (const [role, paths] of Object.entries(placement.modelRoles) as [Role, readonly string[]][]) {
    modelRoles[role] = paths.map(under);
  }
  if (headed.headPaths.length) modelRoles.head = [...(modelRoles.head ?? []), ...headed.headPaths];
  const spec: PlacementSpec<PluginRole> = {
    architecture: placement.architecture,
    declaredRoles: placement.declaredRoles,
    ...(placement.layers ? { layers: under(placement.layers) } : {}),
    layerRoles: placement.layerRoles,
    modelRoles,
    ...(placement.supports ? { supports: placement.supports } : {}),
  };
  return definePlacement(spec);
}
