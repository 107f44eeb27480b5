import { ContainerModule } from 'inversify';

/**
 * A domain plugin: what a package exports (default export, or a named `plugin` export) from the
 * module its package.json names in `"peftkit": { "plugin": "./src/plugin.ts" }`. Its
 * `ContainerModule` binds the contributions (readers, preprocessors, architectures, heads,
 * placements, presets, metrics) under core's identifiers; core collects them with `getAll`.
 *
 * @example
 * export default definePlugin({
 *   id: 'tabular', version: '0.1.0', domain: 'tabular', description: 'CSV tables with an MLP',
 *   module: new ContainerModule(({ bind }) => {
 *     bind(Architecture).toConstantValue(mlp);
 *     bind(Preset).toConstantValue(classificationPreset);
 *   }),
 * });
 */
export interface DomainPlugin {
  /** Unique among installed plugins; shown in `peftkit plugins` and in conflict errors. */
  readonly id: string;
  readonly version: string;
  /** The domain its presets and readers serve (`nlp`, `vision`, `tabular`). */
  readonly domain: string;
  readonly description: string;
  readonly module: ContainerModule;
}

const ID_RE = /^[a-z0-9][a-z0-9._@/-]*$/i;

/**
 * Problems with a value meant to be a `DomainPlugin` (empty = valid). Duck-typed on the module,
 * so a plugin built against another copy of inversify still loads.
 */
export function pluginProblems(value: unknown): string[] {
  if (value === null || typeof value !== 'object') return ['not an object'];
  const p = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of ['id', 'version', 'domain', 'description'] as const) {
    if (typeof p[key] !== 'string' || (p[key] as string).length === 0)
      problems.push(`'${key}' must be a non-empty string`);
  }
  if (typeof p['id'] === 'string' && p['id'] && !ID_RE.test(p['id']))
    problems.push(`'id' has invalid characters: '${p['id']}'`);
  const m = p['module'] as { load?: unknown } | undefined;
  if (!m || typeof m !== 'object' || typeof m.load !== 'function') {
    problems.push(
      "'module' must be an inversify ContainerModule (import ContainerModule from '@peftkit/core')",
    );
  }
  return problems;
}

/**
 * Checks and freezes a plugin descriptor; throws naming every problem.
 *
 * @example
 * export default definePlugin({ id: 'tabular', version: '0.1.0', domain: 'tabular', description: '...', module });
 */
export function definePlugin(plugin: DomainPlugin): DomainPlugin {
  const problems = pluginProblems(plugin);
  if (problems.length) {
    const id = typeof plugin?.id === 'string' ? ` '${plugin.id}'` : '';
    throw new Error(`definePlugin${id}: ${problems.join('; ')}`);
  }
  return Object.freeze({ ...plugin });
}

export { ContainerModule };
