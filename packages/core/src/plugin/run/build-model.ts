import * as path from 'node:path';
import { readJsonObject } from '../../io/read-json.js';
import type { AnyModule } from '../../nn/module.js';
import {
  type DefaultTargetTable,
  getPeftModel,
  type PeftConfigInput,
  type PeftModel,
  type Placement,
  resolvePeftDefaults,
} from '../../peft/index.js';
import type { Architecture } from '../architecture.js';
import type { Head, HeadedModel } from '../head.js';
import type { PeftkitHost } from '../peftkit-host.js';
import { parseModelConfig } from '../run-config/plugin-parts.js';
import type { RunConfig } from '../run-config/schema.js';
import { UserError } from '../user-error.js';
import { reuseBaseHeadWeights } from './head-weights.js';
import { rootPlacement } from './root-placement.js';

/** A base with its head, and the role map of the combined model. */
export interface BuiltModel {
  readonly architecture: Architecture;
  readonly archConfig: unknown;
  readonly headed: HeadedModel;
  readonly placement: Placement;
}

/** Options of `resolveArchitecture`. */
export interface ResolveArchitectureOptions {
  /**
   * `id` came from a preset, not from the user: a base checkpoint of another `model_type` then
   * wins (`--preset nlp/sentiment --base distilbert-sst2/` runs DistilBERT, not the preset's BERT).
   */
  readonly idFromPreset?: boolean;
  /** Receives the note when the base overrides the preset's architecture. */
  readonly log?: (line: string) => void;
}

/**
 * The architecture of a run: `model.architecture` when set, else the one whose `modelTypes`
 * (default: its id) include the `model_type` in the base checkpoint's `config.json`. An
 * architecture named only by the preset yields to the base's `model_type` when another installed
 * architecture reads it.
 */
export async function resolveArchitecture(
  host: PeftkitHost,
  id: string | undefined,
  baseDir: string | undefined,
  options: ResolveArchitectureOptions = {},
): Promise<Architecture> {
  if (id !== undefined) {
    const named = host.architectures.get(id);
    if (!options.idFromPreset || baseDir === undefined) return named;
    // Unreadable configs are left for the architecture's loadCheckpoint to report.
    const modelType = await baseModelType(baseDir).catch(() => undefined);
    if (modelType === undefined || readsModelType(named, modelType)) return named;
    const match = architectureReading(host, modelType);
    if (!match) return named;
    options.log?.(
      `note: model.architecture: ${baseDir} holds a '${modelType}' checkpoint, so ${match.id} is used instead of the preset's ${named.id}`,
    );
    return match;
  }
  if (baseDir === undefined) throw new UserError('model.architecture or model.base is required');
  let modelType: string | undefined;
  try {
    modelType = await baseModelType(baseDir);
  } catch (err) {
    throw new UserError(`model.base ${baseDir}: ${(err as Error).message}`, 2, { cause: err });
  }
  const match = modelType === undefined ? undefined : architectureReading(host, modelType);
  if (!match) {
    throw new UserError(
      `model.base ${baseDir}: no installed architecture reads model_type '${String(modelType)}'; set model.architecture (known: ${host.architectures.ids().join(', ') || 'none'})`,
    );
  }
  return match;
}

/** `model_type` of the base checkpoint's `config.json` (undefined when it has none). */
async function baseModelType(baseDir: string): Promise<string | undefined> {
  const t = (await readJsonObject(path.join(baseDir, 'config.json'), 'base checkpoint config'))['model_type'];
  return t === undefined ? undefined : String(t);
}

function readsModelType(a: Architecture, modelType: string): boolean {
  return (a.modelTypes ?? [a.id]).includes(modelType);
}

function architectureReading(host: PeftkitHost, modelType: string): Architecture | undefined {
  return host.architectures.values().find((a) => readsModelType(a, modelType));
}

export interface BuildModelArgs {
  readonly architecture: Architecture;
  readonly head: Head;
  readonly headId: string;
  readonly headConfig: unknown;
  readonly labels: readonly string[] | undefined;
  /** Load the base from this checkpoint dir; else build it from `modelConfig`. */
  readonly baseDir?: string | undefined;
  /** `model.config` with the preprocessor's hints filled in (ignored with `baseDir`). */
  readonly modelConfig?: Readonly<Record<string, unknown>>;
  readonly origins?: ReadonlyMap<string, string>;
  /**
   * Start the head from the base checkpoint's head weights when it has them for exactly this
   * head (see `reuseBaseHeadWeights`); else keep the fresh head and `log` why. Off by default:
   * a loaded run brings its own head weights.
   */
  readonly reuseBaseHead?: boolean;
  /** Receives the note about the head's starting weights. */
  readonly log?: (line: string) => void;
}

/** Loads or builds the base, puts the head on it and re-roots the placement under the head. */
export async function buildModel(a: BuildModelArgs): Promise<BuiltModel> {
  let base: AnyModule;
  let archConfig: unknown;
  if (a.baseDir !== undefined) {
    try {
      ({ model: base, config: archConfig } = await a.architecture.loadCheckpoint(a.baseDir));
    } catch (err) {
      if (err instanceof UserError) throw err;
      throw new UserError(`loading base ${a.baseDir} as ${a.architecture.id}: ${(err as Error).message}`, 2, {
        cause: err,
      });
    }
  } else {
    archConfig = parseModelConfig(a.architecture, a.modelConfig ?? {}, a.origins);
    base = asUserError(`architecture '${a.architecture.id}'`, () => a.architecture.build(archConfig));
  }
  const headed = asUserError(`head '${a.headId}'`, () =>
    a.head.build({
      base,
      architecture: a.architecture.id,
      baseConfig: archConfig,
      features: a.architecture.outputFeatures?.(archConfig),
      config: a.headConfig,
      labels: a.labels,
    }),
  );
  if (headed.model.getSubmodule(headed.basePath) !== base) {
    throw new Error(
      headed.basePath
        ? `head '${a.headId}': the base must be the child at '${headed.basePath}' of the headed model`
        : `head '${a.headId}': basePath '' means the headed model is the base itself, but build() returned another module`,
    );
  }
  if (a.reuseBaseHead && a.baseDir !== undefined) {
    const note = await reuseBaseHeadWeights(a.baseDir, headed, a.labels);
    if (note) a.log?.(`note: ${note}`);
  }
  const placement = rootPlacement(a.architecture.placement(archConfig), headed);
  return { architecture: a.architecture, archConfig, headed, placement };
}

/**
 * Runs a plugin's `build`: what fails there is almost always the run's config or data (a label
 * set too small, a width that does not fit), so it is reported as a user error naming the part.
 */
function asUserError<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof UserError) throw err;
    const message = (err as Error).message;
    throw new UserError(message.startsWith(what) ? message : `${what}: ${message}`, 2, { cause: err });
  }
}

/** The architecture's default targets per method, from its plugin's `PlacementContribution`. */
export function architectureDefaults(host: PeftkitHost, built: BuiltModel): DefaultTargetTable | undefined {
  return host.placements.find(built.architecture.id)?.defaults;
}

/**
 * The PEFT config of a run as `getPeftModel` gets it: the head's modules trained whole
 * (`modulesToSave`) unless `head.trainable` is false or the head is itself a target role. Default
 * targets are not copied in here: `applyPeft` passes the architecture's table to `getPeftModel`,
 * whose `resolvePeftDefaults` is the one place defaults are resolved, for the CLI as for library
 * users (this function asks it only which roles the adapter will target).
 */
export function completePeftConfig(
  host: PeftkitHost,
  config: RunConfig,
  built: BuiltModel,
): Readonly<Record<string, unknown>> {
  if (config.peft === 'full') throw new Error('completePeftConfig: full fine-tuning has no PEFT config');
  const peft: Record<string, unknown> = { ...config.peft };
  if (config.head.trainable) {
    const method = host.peftMethods.get(config.peft.peftType);
    const resolved = resolvePeftDefaults(method, method.config.parse(peft), {
      placement: built.placement,
      architectureDefaults: architectureDefaults(host, built),
    });
    if (!(resolved.targetRoles ?? []).includes('head')) {
      const saved = (peft['modulesToSave'] as readonly string[] | undefined) ?? [];
      peft['modulesToSave'] = [...new Set([...saved, ...built.headed.headPaths])];
    }
  }
  return peft;
}

/**
 * Full training with `head.trainable: false` keeps the head at its initial weights: its
 * parameters stop training. Adapter runs leave the head to the PEFT method (`modulesToSave`).
 */
export function freezeFixedHead(config: RunConfig, headed: HeadedModel): void {
  if (config.peft !== 'full' || config.head.trainable) return;
  for (const p of headed.headPaths) {
    for (const param of headed.model.getSubmodule(p).parameters()) param.trainable = false;
  }
}

/** Wraps the headed model with the run's adapter (`getPeftModel` with the re-rooted placement). */
export function applyPeft(
  host: PeftkitHost,
  config: RunConfig,
  built: BuiltModel,
  warn: (message: string) => void,
): PeftModel {
  try {
    const peftConfig = completePeftConfig(host, config, built);
    const defaults = architectureDefaults(host, built);
    // A run config's `peft` is typed loosely; getPeftModel validates it with the method's schema.
    return getPeftModel(built.headed.model, peftConfig as PeftConfigInput, {
      placement: built.placement,
      ...(defaults ? { defaults } : {}),
      methods: host.peftMethods,
      warn,
    });
  } catch (err) {
    // Target and config problems are the user's to fix: no stack trace for them.
    throw new UserError(`peft: ${(err as Error).message.replace(/\n\s*/g, '; ')}`, 2, { cause: err });
  }
}
