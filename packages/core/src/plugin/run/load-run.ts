import * as path from 'node:path';
import { resolveModelPath } from '../../io/hub/resolve-model-path.js';
import { exists } from '../../io/read-json.js';
import type { AnyModule } from '../../nn/module.js';
import { PeftModel } from '../../peft/index.js';
import { ensureBackend } from '../../runtime/backend.js';
import type { Architecture } from '../architecture.js';
import { type Head, type HeadedModel, savedHeadConfig } from '../head.js';
import type { PeftkitHost } from '../peftkit-host.js';
import type { Preprocessor, PreprocessorInstance } from '../preprocessor.js';
import type { RunConfig } from '../run-config/schema.js';
import { UserError } from '../user-error.js';
import { type BuiltModel, buildModel } from './build-model.js';
import { loadRunHeadWeights } from './head-weights.js';
import { isHfAdapterDir, isHfCheckpointDir, loadHfRun } from './load-hf-run.js';
import { readPreprocessorFile } from './preprocessor-file.js';
import { inputPolicyOf } from './read-data.js';
import { RUN_FILES } from './run-files.js';
import { baseDirOf, type RunManifest, readRunManifest } from './run-manifest.js';

/** A trained run loaded back for evaluation, prediction or merging. */
export interface LoadedRun {
  readonly dir: string;
  readonly manifest: RunManifest;
  readonly architecture: Architecture;
  readonly head: Head;
  readonly preprocessor: Preprocessor;
  readonly instance: PreprocessorInstance;
  /** The preprocessor options the run was trained with. */
  readonly preprocessOptions: Readonly<Record<string, unknown>>;
  /** The saved head config, validated again by the installed head (defaults of newer fields). */
  readonly headConfig: unknown;
  readonly built: BuiltModel;
  /** The model to run: a `PeftModel` for adapter runs, else the headed model. In eval mode. */
  readonly model: AnyModule;
  readonly labels: readonly string[] | undefined;
  /** Where the base weights came from. */
  readonly baseDir: string;
}

/**
 * Loads a run directory written by `trainRun` (or `mergeRun`): the base (from `base`, the
 * manifest's base, or the run directory itself for full/merged runs), the head with its weights,
 * the adapter for adapter runs, and the preprocessor with its saved state.
 *
 * A directory without `peftkit-run.json` is read as Hugging Face wrote it (`loadHfRun`): a PEFT
 * adapter (`adapter_config.json`; base from `base` or its `base_model_name_or_path`) or a
 * checkpoint (`config.json`, e.g. a `BertForSequenceClassification`). `dir` and `base` may be
 * Hugging Face Hub ids (`org/name[@revision]`), see `resolveModelPath`.
 *
 * @example
 * const run = await loadRun(host, 'runs/demo');
 * run.model.forward(...batch.inputs);
 */
export async function loadRun(
  host: PeftkitHost,
  dir: string,
  options: { base?: string; cwd?: string; log?: (line: string) => void } = {},
): Promise<LoadedRun> {
  await ensureBackend();
  // Either may be a Hub id (`org/name[@revision]`), read from or fetched into the HF cache.
  const hub = { ...(options.cwd ? { cwd: options.cwd } : {}), ...(options.log ? { log: options.log } : {}) };
  const runDir = await resolveModelPath(dir, hub);
  const base = options.base !== undefined ? await resolveModelPath(options.base, hub) : undefined;
  if (!(await exists(path.join(runDir, RUN_FILES.manifest)))) {
    if (await isHfAdapterDir(runDir)) return loadHfRun(host, { adapter: runDir, base, ...hub });
    if ((await isHfCheckpointDir(runDir)) && base === undefined) {
      return loadHfRun(host, { base: runDir, ...hub });
    }
  }
  const manifest = await readRunManifest(runDir);
  if (manifest.status !== 'complete') {
    throw new UserError(
      `${dir}: the run did not finish (status '${manifest.status}'); resume it with 'peftkit train --resume ${dir}'`,
    );
  }
  const architecture = host.architectures.get(manifest.architecture.id);
  const head = host.heads.get(manifest.head.id);
  const headConfig = savedHeadConfig(head, manifest.head.config, runDir);
  const saved = await readPreprocessorFile(runDir);
  if (!saved) throw new UserError(`${dir}: missing ${RUN_FILES.preprocessor}`);
  const preprocessor = host.preprocessors.get(saved.id);
  const labels = manifest.labels ?? undefined;
  // The limits the run was trained with also bound what it decodes at eval/predict time.
  const savedConfig = manifest.config as Partial<RunConfig> | undefined;
  const policy = inputPolicyOf({ limits: savedConfig?.limits, data: { ...savedConfig?.data } });
  const instance = preprocessor.create(saved.options, { labels, ...policy });
  instance.loadState(saved.state);

  const baseDir =
    manifest.kind === 'adapter'
      ? base
        ? path.resolve(base)
        : baseDirOf(runDir, manifest)
      : base
        ? path.resolve(base)
        : runDir;
  if (!baseDir) throw new UserError(`${dir}: the run records no base checkpoint; pass --base <dir>`);
  const built = await buildModel({
    architecture,
    head,
    headId: head.id,
    headConfig,
    labels,
    baseDir,
  });
  checkHeadLayout(built.headed, manifest, dir);
  await loadRunHeadWeights(runDir, built.headed);
  let model: AnyModule = built.headed.model;
  if (manifest.kind === 'adapter') {
    try {
      model = await PeftModel.fromPretrained(built.headed.model, runDir, {
        placement: built.placement,
        methods: host.peftMethods,
      });
    } catch (err) {
      throw new UserError(`${dir}: loading the adapter failed: ${(err as Error).message}`, 2, { cause: err });
    }
  }
  model.eval();
  return {
    dir: runDir,
    manifest,
    architecture,
    head,
    preprocessor,
    instance,
    preprocessOptions: saved.options,
    headConfig,
    built,
    model,
    labels,
    baseDir,
  };
}

function checkHeadLayout(headed: HeadedModel, manifest: RunManifest, dir: string): void {
  const same =
    headed.basePath === manifest.head.basePath &&
    headed.headPaths.length === manifest.head.headPaths.length &&
    headed.headPaths.every((p, i) => p === manifest.head.headPaths[i]);
  if (!same) {
    throw new UserError(
      `${dir}: head '${manifest.head.id}' now builds a different layout (base at '${headed.basePath}', head [${headed.headPaths.join(', ')}]) than when trained; the installed plugin version differs`,
    );
  }
}
