import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { AnyModule } from '../../nn/module.js';
import { PeftModel } from '../../peft/index.js';
import type { HeadedModel } from '../head.js';
import { UserError } from '../user-error.js';
import { saveHeadWeights } from './head-weights.js';
import type { LoadedRun } from './load-run.js';
import { writePreprocessorFile } from './preprocessor-file.js';
import { RUN_FILES } from './run-files.js';
import { writeRunManifest } from './run-manifest.js';

/**
 * Merges a loaded adapter run into its base and writes a standalone checkpoint directory:
 * `config.json` + `model.safetensors` (the merged base, readable by the architecture and by
 * `--base`), `head.safetensors`, `preprocessor.json` and a `merged` run manifest, so
 * `peftkit eval`/`predict` work on it without the adapter or the original base.
 *
 * @example
 * await mergeRun(await loadRun(host, 'runs/demo'), 'runs/demo-merged');
 */
export async function mergeRun(
  run: LoadedRun,
  outDir: string,
): Promise<{ outputDir: string; files: string[] }> {
  if (!(run.model instanceof PeftModel)) {
    throw new UserError(
      `${run.dir} holds a ${run.manifest.kind} model, not an adapter: there is nothing to merge`,
    );
  }
  const out = path.resolve(outDir);
  if (out === run.dir) throw new UserError('merge: --out must differ from the adapter directory');
  let merged: AnyModule;
  try {
    merged = run.model.mergeAndUnload({ safeMerge: true });
  } catch (err) {
    throw new UserError(`merge: ${(err as Error).message}`, 2, { cause: err });
  }
  const headed: HeadedModel = { ...run.built.headed, model: merged };
  await fs.mkdir(out, { recursive: true });
  await run.architecture.saveCheckpoint(
    out,
    merged.getSubmodule(headed.basePath),
    run.manifest.architecture.config,
  );
  await saveHeadWeights(path.join(out, RUN_FILES.head), headed);
  await writePreprocessorFile(out, run.preprocessor.id, run.preprocessOptions, run.instance);
  await run.instance.saveFiles?.(out);
  await writeRunManifest(out, { ...run.manifest, kind: 'merged', base: null, status: 'complete' });
  return { outputDir: out, files: (await fs.readdir(out)).sort() };
}
