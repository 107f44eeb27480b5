import { resolveModelPath } from '../../io/hub/resolve-model-path.js';
import { resolveInputLimits } from '../../io/input-limits.js';
import { setSeed } from '../../runtime/random.js';
import type { PeftkitHost } from '../peftkit-host.js';
import type { PreprocessorInstance } from '../preprocessor.js';
import { originOf } from '../run-config/deep-merge.js';
import { type RunParts, validatePluginParts } from '../run-config/plugin-parts.js';
import type { RunConfig } from '../run-config/schema.js';
import { UserError } from '../user-error.js';
import { type BuiltModel, buildModel, resolveArchitecture } from './build-model.js';
import { checkRunRoles } from './check-roles.js';
import { readPreprocessorFile } from './preprocessor-file.js';
import { type RunData, readRunData } from './read-data.js';

export interface PrepareRunOptions {
  readonly origins?: ReadonlyMap<string, string>;
  /** Read `data.train` (needed for training; optional for `inspect`). */
  readonly readData: boolean;
  /** A run directory being resumed: its preprocessor state is reused instead of fitting again. */
  readonly resumeDir?: string;
  /** Base checkpoint to load instead of `model.base` (a resumed run's saved base). */
  readonly baseDir?: string;
  readonly log: (line: string) => void;
}

/** Everything a run needs before training: contributions, data, fitted preprocessor, model. */
export interface PreparedRun {
  readonly parts: RunParts;
  readonly data: RunData | undefined;
  readonly instance: PreprocessorInstance;
  readonly built: BuiltModel;
  /** The checkpoint the base was loaded from, or undefined when it was built fresh. */
  readonly baseDir: string | undefined;
}

/**
 * Validates the plugin parts of `config`, seeds the process RNG, reads the data, fits the
 * preprocessor (restoring the base checkpoint's or the resumed run's state first), builds
 * base + head with the re-rooted placement, and checks `peft.targetRoles` against it.
 */
export async function prepareRun(
  host: PeftkitHost,
  config: RunConfig,
  o: PrepareRunOptions,
): Promise<PreparedRun> {
  const parts = validatePluginParts(host, config, o.origins);
  // model.base may be a Hub id (`org/name[@revision]`): read from or fetched into the HF cache.
  const baseDir =
    o.baseDir ?? (config.model.base ? await resolveModelPath(config.model.base, { log: o.log }) : undefined);
  const architecture = await resolveArchitecture(host, config.model.architecture, baseDir, {
    idFromPreset: originOf(o.origins ?? new Map(), ['model', 'architecture'])?.startsWith('preset ') ?? false,
    log: o.log,
  });
  setSeed(config.training.seed);
  const data = o.readData || config.data.train ? await readRunData(host, config, o.origins) : undefined;
  for (const w of data?.warnings ?? []) o.log(`warning: ${w}`);
  for (const n of data?.notes ?? []) o.log(n);
  const labels = data?.labels;
  const instance = parts.preprocessor.create(parts.preprocessOptions, {
    labels,
    limits: resolveInputLimits(config.limits),
    allowOutsideRoot: config.data.allowOutsideRoot,
  });
  const resumed = o.resumeDir ? await readPreprocessorFile(o.resumeDir) : undefined;
  if (resumed) instance.loadState(resumed.state);
  else {
    const fromBase = baseDir ? await readPreprocessorFile(baseDir) : undefined;
    const restored = fromBase !== undefined && fromBase.id === parts.preprocessor.id;
    if (restored) instance.loadState(fromBase.state);
    if (data) {
      try {
        await instance.fit?.(data.train, { restored, baseDir });
      } catch (err) {
        // Fitting reads nothing but the user's data (and the base's saved state): its failures are theirs.
        if (err instanceof UserError) throw err;
        throw new UserError((err as Error).message, 2, { cause: err });
      }
    }
  }
  const built = await buildModel({
    architecture,
    head: parts.head,
    headId: config.head.id,
    headConfig: parts.headConfig,
    labels,
    baseDir,
    modelConfig: { ...instance.modelConfig?.(), ...config.model.config },
    // A base checkpoint that already has weights for this head (same names, shapes and labels)
    // starts the head from them; a resumed run loads its own head weights afterwards.
    reuseBaseHead: o.resumeDir === undefined,
    log: o.log,
    ...(o.origins ? { origins: o.origins } : {}),
  });
  try {
    if (baseDir !== undefined) checkBaseFitsData(baseDir, built.archConfig, instance, parts.preprocessor.id);
    checkRunRoles(host, config, built, o.origins);
  } catch (err) {
    built.headed.model.dispose();
    throw err;
  }
  return { parts, data, instance, built, baseDir };
}

/** Refuses a base checkpoint whose config contradicts what the data requires (`requiredModelConfig`). */
function checkBaseFitsData(
  baseDir: string,
  archConfig: unknown,
  instance: PreprocessorInstance,
  preprocessorId: string,
): void {
  const required = instance.requiredModelConfig?.() ?? {};
  const have = (archConfig ?? {}) as Record<string, unknown>;
  const problems = Object.entries(required)
    .filter(([k, v]) => k in have && JSON.stringify(have[k]) !== JSON.stringify(v))
    .map(([k, v]) => `${k} is ${JSON.stringify(have[k])} in the base, the data needs ${JSON.stringify(v)}`);
  if (problems.length) {
    throw new UserError(
      `base ${baseDir} does not fit this data (${preprocessorId}): ${problems.join('; ')}; use a base trained on the same columns/inputs, or no --base`,
    );
  }
}
