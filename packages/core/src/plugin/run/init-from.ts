import * as path from 'node:path';
import { PeftModel } from '../../peft/index.js';
import type { PeftkitHost } from '../peftkit-host.js';
import type { RunConfig } from '../run-config/schema.js';
import { UserError } from '../user-error.js';
import type { BuiltModel } from './build-model.js';
import { loadHeadWeights } from './head-weights.js';
import { RUN_FILES } from './run-files.js';
import { baseDirOf, type RunKind, readRunManifest } from './run-manifest.js';

/** A finished run a new run starts from (`TrainRunOptions.initFrom`). */
export interface InitSource {
  readonly dir: string;
  /** The base checkpoint to build: the source's base for adapter runs, the source itself for full runs. */
  readonly baseDir: string;
}

/**
 * Checks that `dir` is a finished run of the same kind as the new one and says which base
 * checkpoint to build. Errors name the directory and what was expected.
 */
export async function resolveInitSource(dir: string, kind: RunKind): Promise<InitSource> {
  const initDir = path.resolve(dir);
  const manifest = await readRunManifest(initDir);
  if (manifest.status !== 'complete') {
    throw new UserError(`initFrom ${dir}: the run did not finish (status '${manifest.status}')`);
  }
  if (manifest.kind !== kind) {
    throw new UserError(
      `initFrom ${dir}: it is a '${manifest.kind}' run; this run trains ${kind === 'full' ? "'full' (peft: full)" : "an 'adapter'"}`,
    );
  }
  const baseDir = kind === 'adapter' ? baseDirOf(initDir, manifest) : initDir;
  if (!baseDir) throw new UserError(`initFrom ${dir}: the run records no base checkpoint`);
  return { dir: initDir, baseDir };
}

/** Loads the source's head weights (its trained head for full runs, its initial head for adapter runs). */
export async function loadInitHead(init: InitSource, built: BuiltModel): Promise<void> {
  await loadHeadWeights(path.join(init.dir, RUN_FILES.head), built.headed);
}

/**
 * The source's adapter, loaded trainable into the freshly built model (HF's
 * `PeftModel.from_pretrained(..., is_trainable=True)`). Its method must be the run config's.
 */
export async function loadInitAdapter(
  host: PeftkitHost,
  config: RunConfig,
  init: InitSource,
  built: BuiltModel,
): Promise<PeftModel> {
  let model: PeftModel;
  try {
    model = await PeftModel.fromPretrained(built.headed.model, init.dir, {
      placement: built.placement,
      methods: host.peftMethods,
      isTrainable: true,
    });
  } catch (err) {
    throw new UserError(`initFrom ${init.dir}: loading the adapter failed: ${(err as Error).message}`, 2, {
      cause: err,
    });
  }
  const saved = model.peftConfig.get('default')?.peftType;
  const wanted = config.peft === 'full' ? 'full' : config.peft.peftType;
  if (saved !== wanted) {
    model.dispose();
    throw new UserError(
      `initFrom ${init.dir}: its adapter is ${saved}, the run config's peft.peftType is ${wanted}`,
    );
  }
  return model;
}
