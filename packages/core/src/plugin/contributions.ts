import type { Container } from 'inversify';
import {
  CONTRIBUTION_KINDS,
  CONTRIBUTION_POINTS,
  type ContributionKind,
  type Contributions,
} from './contribution-points.js';
import { roleConflicts } from './declared-roles.js';
import { type DomainPlugin, pluginProblems } from './domain-plugin.js';
import type { PluginFailure, PluginSource } from './plugin-source.js';

/** A plugin whose module loaded, with the ids it contributes per kind. */
export interface LoadedPlugin {
  readonly plugin: DomainPlugin;
  readonly source: PluginSource | undefined;
  readonly contributes: { readonly [K in ContributionKind]: readonly string[] };
}

/** One collected contribution and the plugin that made it. */
export interface Attributed<T> {
  readonly value: T;
  readonly plugin: string;
}

type Owned = { [K in ContributionKind]: Map<string, Attributed<Contributions[K]>> };

/**
 * Loads plugin `ContainerModule`s into one container and collects their contributions with
 * `getAll`, after Theia's `ContributionProvider`: contributions are gathered once, at host
 * start, not looked up from a global. Unlike Theia's `getContributions`, which logs and drops a
 * failing binding, a problem rejects the whole plugin with a reason, and every id is attributed
 * to its plugin so a clash names both sides.
 *
 * Plugins are loaded one at a time. `getAll` returns bindings in binding order, so the entries
 * past the previous count are exactly the new plugin's. When a plugin fails (its module throws,
 * a binding does not resolve, a contribution is malformed, or an id is already taken) its module
 * is unloaded again, which removes its bindings, and the plugins loaded before it are untouched.
 */
export class ContributionCollector {
  private readonly counts = new Map<ContributionKind, number>();
  private readonly owned: Owned = {
    readers: new Map(),
    preprocessors: new Map(),
    architectures: new Map(),
    heads: new Map(),
    placements: new Map(),
    presets: new Map(),
    metrics: new Map(),
    methods: new Map(),
    evaluators: new Map(),
  };
  private readonly loaded: LoadedPlugin[] = [];

  /**
   * @param container the host's container; plugins bind into it.
   * @param reserved ids no plugin may take per kind (core's built-in metric names and PEFT types).
   */
  constructor(
    readonly container: Container,
    private readonly reserved: Partial<Record<ContributionKind, ReadonlySet<string>>> = {},
  ) {}

  get plugins(): readonly LoadedPlugin[] {
    return this.loaded;
  }

  /** The contributions of `kind` by id, each with its plugin. */
  contributions<K extends ContributionKind>(kind: K): ReadonlyMap<string, Attributed<Contributions[K]>> {
    return this.owned[kind];
  }

  /** Loads one plugin; resolves to its record, or to a failure (the container is left as before). */
  async add(plugin: DomainPlugin, source?: PluginSource): Promise<LoadedPlugin | PluginFailure> {
    const name =
      typeof plugin?.id === 'string' && plugin.id
        ? plugin.id
        : (source?.packageName ?? source?.entry ?? '<unnamed>');
    const fail = (error: string, cause?: unknown): PluginFailure => ({
      plugin: name,
      ...(source ? { source } : {}),
      error,
      ...(cause !== undefined ? { cause } : {}),
    });
    const problems = pluginProblems(plugin);
    if (problems.length) return fail(`not a valid peftkit plugin: ${problems.join('; ')}`);
    const twin = this.loaded.find((p) => p.plugin.id === plugin.id);
    if (twin) return fail(`plugin id '${plugin.id}' is already loaded${where(twin.source)}`);

    try {
      await this.container.loadAsync(plugin.module);
    } catch (err) {
      await this.unload(plugin);
      return fail(`its ContainerModule threw: ${message(err)}`, err);
    }
    const fresh: { [K in ContributionKind]?: Contributions[K][] } = {};
    const issues: string[] = [];
    for (const kind of CONTRIBUTION_KINDS) {
      const point = CONTRIBUTION_POINTS[kind];
      let all: unknown[];
      try {
        all = this.container.getAll<unknown>(point.identifier, { optional: true });
      } catch (err) {
        issues.push(`a ${point.noun} binding could not be resolved: ${message(err)}`);
        continue;
      }
      const added = all.slice(this.counts.get(kind) ?? 0);
      for (const value of added) {
        const bad = point.problems(value);
        if (bad.length) {
          const id = (value as { id?: unknown })?.id;
          issues.push(
            `${point.noun}${typeof id === 'string' ? ` '${id}'` : ''} is malformed: ${bad.join('; ')}`,
          );
        }
      }
      (fresh as Record<ContributionKind, unknown[]>)[kind] = added;
    }
    if (!issues.length) issues.push(...this.conflicts(plugin.id, fresh));
    if (issues.length) {
      await this.unload(plugin);
      return fail(issues.join('; '));
    }
    const contributes = {} as { [K in ContributionKind]: string[] };
    for (const kind of CONTRIBUTION_KINDS) this.commit(kind, plugin.id, fresh, contributes);
    const record: LoadedPlugin = { plugin, source, contributes };
    this.loaded.push(record);
    return record;
  }

  private commit<K extends ContributionKind>(
    kind: K,
    pluginId: string,
    fresh: { [J in ContributionKind]?: Contributions[J][] },
    contributes: { [J in ContributionKind]: string[] },
  ): void {
    const point = CONTRIBUTION_POINTS[kind];
    const added = (fresh[kind] ?? []) as Contributions[K][];
    contributes[kind] = added.map((c) => point.idOf(c));
    for (const value of added) this.owned[kind].set(point.idOf(value), { value, plugin: pluginId });
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + added.length);
  }

  /**
   * Id clashes of a new plugin's contributions (within itself, with core, with earlier plugins),
   * and plugin roles its architectures describe differently from an earlier plugin.
   */
  private conflicts(pluginId: string, fresh: { [K in ContributionKind]?: Contributions[K][] }): string[] {
    const out: string[] = [];
    for (const kind of CONTRIBUTION_KINDS) {
      const point = CONTRIBUTION_POINTS[kind] as { noun: string; idOf(c: unknown): string };
      const seen = new Set<string>();
      for (const value of fresh[kind] ?? []) {
        const id = point.idOf(value);
        const owner = this.owned[kind].get(id)?.plugin;
        if (owner !== undefined) {
          out.push(`${point.noun} '${id}' is contributed by both plugin '${owner}' and plugin '${pluginId}'`);
        } else if (this.reserved[kind]?.has(id)) {
          out.push(`${point.noun} '${id}' shadows a built-in ${point.noun} of @peftkit/core`);
        } else if (seen.has(id)) {
          out.push(`${point.noun} '${id}' is contributed twice by plugin '${pluginId}'`);
        }
        seen.add(id);
      }
    }
    out.push(...roleConflicts(this.owned.architectures.values(), pluginId, fresh.architectures ?? []));
    return out;
  }

  private async unload(plugin: DomainPlugin): Promise<void> {
    // Removes whatever the module bound before it failed; never throws over the original error.
    await this.container.unloadAsync(plugin.module).catch(() => undefined);
  }
}

function where(source: PluginSource | undefined): string {
  if (!source) return '';
  return ` (from ${source.packageName ?? source.entry ?? source.packageDir})`;
}

function message(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0] ?? text;
}
