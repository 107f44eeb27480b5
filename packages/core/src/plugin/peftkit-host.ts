import { Container } from 'inversify';
// From the barrel, so the built-in methods are registered before the host reserves their names.
import { listPeftMethods, type PeftMethodLookup, registeredPeftMethods } from '../peft/index.js';
import type { PeftMethod } from '../peft/method.js';
import { ensureBackend } from '../runtime/backend.js';
import type { Metric } from '../train/metrics/metric.js';
import { BUILTIN_METRIC_NAMES, createMetric } from '../train/metrics/registry.js';
import type { Architecture } from './architecture.js';
import { ContributionCollector, type LoadedPlugin } from './contributions.js';
import type { DatasetReader } from './dataset-reader.js';
import { type DeclaredRole, declaredRoles } from './declared-roles.js';
import { type DiscoverOptions, discoverPlugins } from './discover-plugins.js';
import type { DomainPlugin } from './domain-plugin.js';
import type { Evaluator } from './evaluator.js';
import type { Head } from './head.js';
import type { DiscoveredPlugin } from './load-plugin.js';
import type { MetricContribution } from './metric-contribution.js';
import type { PeftMethodContribution } from './peft-method-contribution.js';
import type { PlacementContribution } from './placement-contribution.js';
import type { PluginFailure } from './plugin-source.js';
import type { Preprocessor } from './preprocessor.js';
import type { Preset } from './preset.js';
import { Registry, UnknownContributionError } from './registry.js';

/** A plugin given to `createPeftkit`: a descriptor, or one with its source (from discovery). */
export type PluginInput = DomainPlugin | DiscoveredPlugin;

export interface CreatePeftkitOptions {
  /** Plugins to load, in order (the first to claim an id keeps it). */
  plugins?: readonly PluginInput[];
  /**
   * Also load installed plugins (`discoverPlugins`), after the explicit ones; an installed plugin
   * with the id of an explicit one is skipped.
   */
  discover?: boolean | DiscoverOptions;
  /** Failures found before the host was created (e.g. `--plugin` paths that did not import). */
  failures?: readonly PluginFailure[];
  /** Throw when any plugin fails instead of reporting it in `host.failures` (default false). */
  strict?: boolean;
}

/** A plugin problem that `strict` turned into an error; lists every failure. */
export class PluginLoadError extends Error {
  override readonly name = 'PluginLoadError';
  constructor(readonly failures: readonly PluginFailure[]) {
    super(failures.map((f) => `plugin '${f.plugin}': ${f.error}`).join('\n'));
  }
}

/**
 * The running plugin host: the inversify container the plugins were loaded into, and one
 * registry per contribution point. Created by `createPeftkit`.
 */
export class PeftkitHost {
  readonly presets: Registry<Preset>;
  readonly readers: Registry<DatasetReader>;
  readonly preprocessors: Registry<Preprocessor>;
  readonly architectures: Registry<Architecture>;
  readonly heads: Registry<Head>;
  readonly placements: Registry<PlacementContribution>;
  /** Contributed metrics; core's built-ins are reached through `createMetric`. */
  readonly metrics: Registry<MetricContribution>;
  /** Contributed PEFT methods; runs reach them, and the built-ins, through `peftMethods`. */
  readonly methods: Registry<PeftMethodContribution>;
  /**
   * Every PEFT method a run of this host can use: the contributed ones and the process-wide
   * registry (`registeredPeftMethods`). Pass it to `getPeftModel` / `PeftModel.fromPretrained`
   * as `methods`.
   */
  readonly peftMethods: PeftMethodLookup;
  /** Evaluators `peftkit eval --evaluator` can run (simulator rollouts, benchmarks). */
  readonly evaluators: Registry<Evaluator>;

  constructor(
    private readonly collector: ContributionCollector,
    /** Plugins that could not be used, with reasons; everything else works without them. */
    readonly failures: readonly PluginFailure[],
  ) {
    const c = collector;
    this.presets = new Registry('preset', c.contributions('presets'));
    this.readers = new Registry('dataset reader', c.contributions('readers'));
    this.preprocessors = new Registry('preprocessor', c.contributions('preprocessors'));
    this.architectures = new Registry('architecture', c.contributions('architectures'));
    this.heads = new Registry('head', c.contributions('heads'));
    this.placements = new Registry('placement', c.contributions('placements'));
    this.metrics = new Registry('metric', c.contributions('metrics'));
    this.methods = new Registry('PEFT method', c.contributions('methods'));
    const methods = this.methods;
    const types = () => [...new Set([...registeredPeftMethods.types(), ...methods.ids()])].sort();
    this.peftMethods = Object.freeze({
      get(peftType: string): PeftMethod {
        const type = String(peftType).toUpperCase();
        const contributed = methods.find(type);
        if (contributed) return contributed;
        if (registeredPeftMethods.has(type)) return registeredPeftMethods.get(type);
        throw new UnknownContributionError('PEFT method', String(peftType), types());
      },
      has: (peftType: string) =>
        methods.has(String(peftType).toUpperCase()) || registeredPeftMethods.has(peftType),
      types,
    });
    this.evaluators = new Registry('evaluator', c.contributions('evaluators'));
  }

  /** The container plugins were loaded into (for plugins that bind services of their own). */
  get container(): Container {
    return this.collector.container;
  }

  /** Loaded plugins in load order, with what each contributes. */
  get plugins(): readonly LoadedPlugin[] {
    return this.collector.plugins;
  }

  /** Roles the loaded plugins declare beyond core's vocabulary (`ROLES`), sorted by name. */
  declaredRoles(): DeclaredRole[] {
    return declaredRoles(this.architectures.list());
  }

  /** Every metric name a run config may list: core's built-ins and contributed ones, sorted. */
  metricNames(): string[] {
    return [...BUILTIN_METRIC_NAMES, ...this.metrics.ids()].sort();
  }

  /** A fresh metric by name (contributed or built-in); unknown names fail with close matches. */
  createMetric(name: string): Metric {
    const contributed = this.metrics.find(name);
    if (contributed) return contributed.create();
    if ((BUILTIN_METRIC_NAMES as readonly string[]).includes(name)) return createMetric(name);
    throw new UnknownContributionError('metric', name, this.metricNames());
  }
}

/**
 * Builds the plugin host: loads each plugin's `ContainerModule` into one inversify container and
 * collects the contributions. Plugins that fail to import or to load, that contribute malformed
 * values, or that claim an id another plugin already has are reported in `host.failures` (with
 * both plugin ids for a clash) and left out; the rest keep working. `strict: true` throws instead.
 *
 * @example
 * const host = await createPeftkit({ plugins: [tabularPlugin] });
 * const preset = host.presets.get('tabular/classification');
 */
export async function createPeftkit(options: CreatePeftkitOptions = {}): Promise<PeftkitHost> {
  await ensureBackend();
  const collector = new ContributionCollector(new Container(), {
    metrics: new Set(BUILTIN_METRIC_NAMES),
    methods: new Set(listPeftMethods()),
  });
  const failures: PluginFailure[] = [...(options.failures ?? [])];
  const inputs: PluginInput[] = [...(options.plugins ?? [])];
  if (options.discover) {
    const found = await discoverPlugins(options.discover === true ? {} : options.discover);
    failures.push(...found.failures);
    // An explicit plugin wins over an installed one with the same id (a development copy
    // passed with --plugin shadows the installed release) instead of clashing with it.
    const explicit = new Set(inputs.map((p) => (isDiscovered(p) ? p.plugin.id : p.id)));
    inputs.push(...found.plugins.filter((p) => !explicit.has(p.plugin.id)));
  }
  for (const input of inputs) {
    const [plugin, source] = isDiscovered(input) ? [input.plugin, input.source] : [input, undefined];
    const result = await collector.add(plugin, source);
    if ('error' in result) failures.push(result);
  }
  if (options.strict && failures.length) throw new PluginLoadError(failures);
  return new PeftkitHost(collector, failures);
}

function isDiscovered(input: PluginInput): input is DiscoveredPlugin {
  return 'plugin' in input && 'source' in input && typeof (input as DiscoveredPlugin).plugin === 'object';
}
