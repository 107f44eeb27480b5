import type { PeftMethodLookup } from '../../peft/registry.js';
import type { Preset } from '../preset.js';
import { RunConfigError } from './config-error.js';
import { type ConfigLayer, mergeLayers, originOf } from './deep-merge.js';
import { formatZodIssues } from './format-issues.js';
import { peftBlockProblems } from './peft-block.js';
import { type RunConfig, runConfigSchema } from './schema.js';
import { schemaKeysAt } from './schema-keys.js';

export interface ResolveRunConfigOptions {
  /** The lowest layer. Its `domain` and `task` fill those fields, and `preset` records its id. */
  preset?: Preset;
  /**
   * Add the preset's `pretrain` layer (when it has one) over its config and force full training
   * (`peftkit pretrain`).
   */
  pretrain?: boolean;
  /** Higher layers, lowest first: config file(s), then CLI flags. */
  layers?: readonly ConfigLayer[];
  /**
   * The PEFT methods a run can use (a host's `peftMethods`): given, the `peft` block is checked
   * against its method's schema here, with the other problems, before anything is read or built.
   */
  peftMethods?: PeftMethodLookup;
}

/** A resolved run config and where its values came from. */
export interface ResolvedRunConfig {
  readonly config: RunConfig;
  /** For each dotted path set by some layer, the name of the layer that set it last. */
  readonly origins: ReadonlyMap<string, string>;
}

/**
 * Resolves a run config: preset < config file < CLI flags, deep-merged (see `mergeLayers`), then
 * validated against `runConfigSchema` with defaults applied, and the `peft` block against its
 * method's schema when `peftMethods` is given. Every problem names its path and the layer that
 * set the value: `training.lr must be > 0 (from --set training.lr=0)`, `peft.loraAlpah is not a
 * known field (did you mean 'loraAlpha'?) (from --set peft.loraAlpah=16)`.
 *
 * @example
 * const { config } = resolveRunConfig({ preset, layers: [await loadConfigFile('run.yaml'), ...setFlagLayers(['training.lr=1e-3'])] });
 */
export function resolveRunConfig(options: ResolveRunConfigOptions): ResolvedRunConfig {
  const layers: ConfigLayer[] = [];
  const preset = options.preset;
  if (preset) {
    layers.push({
      name: `preset ${preset.id}`,
      value: {
        preset: preset.id,
        domain: preset.domain,
        task: preset.task,
        ...(preset.config as Record<string, unknown>),
      },
    });
    if (options.pretrain && preset.pretrain) {
      layers.push({
        name: `preset ${preset.id} (pretrain)`,
        value: preset.pretrain.config as Record<string, unknown>,
      });
    }
  }
  const presetLayers = layers.length;
  layers.push(...(options.layers ?? []));
  if (options.pretrain) layers.push({ name: 'pretrain', value: { peft: 'full' } });
  const methodLayer = preset?.perMethod && perMethodLayer(preset, mergeLayers(layers).value['peft']);
  if (methodLayer) layers.splice(presetLayers, 0, methodLayer);
  const { value, origins } = mergeLayers(layers);
  const parsed = runConfigSchema.safeParse(value);
  const found: { path: readonly PropertyKey[]; text: string }[] = parsed.success
    ? []
    : formatZodIssues(parsed.error.issues, value, [], (p) => schemaKeysAt(runConfigSchema, p));
  if (options.peftMethods) found.push(...peftBlockProblems(value['peft'], options.peftMethods));
  if (!parsed.success || found.length) {
    const problems = found.map(({ path, text }) => {
      const origin = originOf(origins, path.map(String));
      return origin ? `${text} (from ${origin})` : text;
    });
    throw new RunConfigError(problems);
  }
  return { config: parsed.data, origins };
}

/** The preset's `perMethod` layer for the method the merged `peft` block names, if any. */
function perMethodLayer(preset: Preset, peft: unknown): ConfigLayer | undefined {
  const method =
    peft === 'full'
      ? 'full'
      : typeof peft === 'object' &&
          peft !== null &&
          typeof (peft as { peftType?: unknown }).peftType === 'string'
        ? (peft as { peftType: string }).peftType
        : undefined;
  const value = method === undefined ? undefined : preset.perMethod?.[method];
  return value && { name: `preset ${preset.id} (${method})`, value: value as Record<string, unknown> };
}
