import { describeRole, isCoreRole, resolveRole } from '../../peft/index.js';
import type { PeftkitHost } from '../peftkit-host.js';
import type { RunConfig } from '../run-config/schema.js';
import { applyPeft, completePeftConfig } from './build-model.js';
import { prepareRun } from './prepare-run.js';

/** What `peftkit inspect` reports about a run's model before training. */
export interface InspectReport {
  readonly architecture: string;
  /** The base checkpoint, or null when the base is built fresh from `model.config`. */
  readonly base: string | null;
  readonly architectureConfig: unknown;
  /** `full`, or the PEFT type (`LORA`, ...). */
  readonly method: string;
  readonly parameters: { readonly trainable: number; readonly total: number; readonly fraction: number };
  /**
   * Every role the model maps (core's and its plugin's), what it means, who declared it (`core`
   * or the plugin's id), the modules playing it, and which of them the adapter targets.
   */
  readonly roles: readonly {
    readonly role: string;
    readonly description: string;
    readonly declaredBy: string;
    readonly modules: readonly string[];
    readonly targeted: readonly string[];
  }[];
  /** All adapted module paths. */
  readonly targets: readonly string[];
  /** Modules trained whole next to the adapter. */
  readonly modulesToSave: readonly string[];
  readonly labels: readonly string[] | null;
}

/**
 * Builds a run's model and applies its PEFT config without training: which modules each role
 * maps to, which the adapter targets, and trainable vs total parameters. Reads `data.train`
 * when set (input widths and label counts often come from the data).
 *
 * @example
 * const report = await inspectRun(host, config, { log: console.error });
 * report.parameters.fraction; // 0.031
 */
export async function inspectRun(
  host: PeftkitHost,
  config: RunConfig,
  o: { origins?: ReadonlyMap<string, string>; log: (line: string) => void },
): Promise<InspectReport> {
  const prepared = await prepareRun(host, config, {
    readData: false,
    log: o.log,
    ...(o.origins ? { origins: o.origins } : {}),
  });
  const { built } = prepared;
  const roleModules = built.placement.roles.map((role) => ({
    role,
    modules: resolveRole(built.headed.model, built.placement, role).map((t) => t.path),
  }));
  const peft =
    config.peft === 'full' ? undefined : applyPeft(host, config, built, (m) => o.log(`warning: ${m}`));
  try {
    const targets = peft ? [...peft.targetsOf(peft.activeAdapter ?? 'default')] : [];
    const model = peft ?? built.headed.model;
    const trainable = model.numParameters({ trainableOnly: true });
    const total = model.numParameters();
    const saved = peft
      ? ((completePeftConfig(host, config, built)['modulesToSave'] as string[] | undefined) ?? [])
      : [];
    return {
      architecture: built.architecture.id,
      base: prepared.baseDir ?? null,
      architectureConfig: built.archConfig,
      method: config.peft === 'full' ? 'full' : String(config.peft.peftType).toUpperCase(),
      parameters: { trainable, total, fraction: total ? trainable / total : 0 },
      roles: roleModules.map(({ role, modules }) => ({
        role,
        description: describeRole(role, built.placement.declaredRoles) ?? '',
        declaredBy: isCoreRole(role)
          ? 'core'
          : (host.architectures.pluginOf(built.architecture.id) ?? 'unknown'),
        modules,
        targeted: peft ? modules.filter((m) => targets.includes(m)) : modules,
      })),
      targets,
      modulesToSave: saved,
      labels: prepared.data?.labels ? [...prepared.data.labels] : null,
    };
  } finally {
    (peft ?? built.headed.model).dispose();
  }
}
