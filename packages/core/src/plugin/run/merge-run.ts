import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { writeDirAtomic } from '../../io/atomic-write.js';
import type { AnyModule } from '../../nn/module.js';
import { PeftModel } from '../../peft/index.js';
import type { HeadedModel } from '../head.js';
import { UserError } from '../user-error.js';
import { saveHeadWeights } from './head-weights.js';
import type { LoadedRun } from './load-run.js';
import { assertReplaceableOutDir, isWithin } from './output-dir.js';
import { writePreprocessorFile } from './preprocessor-file.js';
import { RUN_FILES } from './run-files.js';
import { writeRunManifest } from './run-manifest.js';

/**
 * Merges a loaded adapter run into its base and writes a standalone checkpoint directory:
 * `config.json` + `model.safetensors` (the merged base, readable by the architecture and by
 * `--base`), `head.safetensors`, `preprocessor.json` and a `merged` run manifest, so
 * `peftkit eval`/`predict` work on it without the adapter or the original base.
 *
 * `outDir` must be new or empty; a previous peftkit run or merge there is replaced only with
 * `overwrite`, and then wholesale: the checkpoint is built in a temp sibling and renamed in, so
 * a crash leaves the old directory (or, between two renames, `.<name>.old-*` beside it). A
 * directory of other files is never written into.
 *
 * @example
 * await mergeRun(await loadRun(host, 'runs/demo'), 'runs/demo-merged');
 */
export async function mergeRun(
  run: LoadedRun,
  outDir: string,
  o: { overwrite?: boolean } = {},
): Promise<{ outputDir: string; files: string[] }> {
  if (!(run.model instanceof PeftModel)) {
    throw new UserError(
      `${run.dir} holds a ${run.manifest.kind} model, not an adapter: there is nothing to merge`,
    );
  }
  const out = path.resolve(outDir);
  if (isWithin(run.dir, out))
    throw new UserError(`merge --out ${out}: must not be or contain the adapter run ${run.dir}`);
  if (run.baseDir && isWithin(run.baseDir, out)) {
    throw new UserError(`merge --out ${out}: must not be or contain the base checkpoint ${run.baseDir}`);
  }
  await assertReplaceableOutDir(out, { command: 'merge', ours: 'run', overwrite: o.overwrite ?? false });
  let merged: AnyModule;
  try {
    merged = run.model.mergeAndUnload({ safeMerge: true });
  } catch (err) {
    throw new UserError(`merge: ${(err as Error).message}`, 2, { cause: err });
  }
  const headed: HeadedModel = { ...run.built.headed, model: merged };
  await writeDirAtomic(out, async (tmp) => {
    await run.architecture.saveCheckpoint(
      tmp,
      merged.getSubmodule(headed.basePath),
      run.manifest.architecture.config,
    );
    await saveHeadWeights(path.join(tmp, RUN_FILES.head), headed);
    await writePreprocessorFile(tmp, run.preprocessor.id, run.preprocessOptions, run.instance);
    await run.instance.saveFiles?.(tmp);
    const { failure: _failure, ...manifest } = run.manifest;
    await writeRunManifest(tmp, { ...manifest, kind: 'merged', base: null, status: 'complete' });
  });
  return { outputDir: out, files: (await fs.readdir(out)).sort() };
}
