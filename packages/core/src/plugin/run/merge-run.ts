import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { writeDirAtomic } from '../../io/atomic-write.js';
import { saveCheckpoint } from '../../io/checkpoint.js';
import type { AnyModule } from '../../nn/module.js';
import { PeftModel } from '../../peft/index.js';
import { hfClassName } from '../architecture.js';
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
 * `config.json` + `model.safetensors`, `preprocessor.json`, the preprocessor's own files (a
 * tokenizer) and a `merged` run manifest, so `peftkit eval`/`predict` work on it without the
 * adapter or the original base.
 *
 * When the architecture and head declare their Hugging Face classes (`Architecture.hf`,
 * `Head.hf`), the checkpoint is the HF task model: `config.json` with `architectures`
 * (`BertForSequenceClassification`), `id2label`/`label2id`, and the head's weights inside
 * `model.safetensors` under HF's names (`bert.*`, `classifier.*`), which `transformers` loads as
 * that class, plus the files the head adds (`Head.hf.writeCheckpointFiles`: a generating head's
 * `generation_config.json`). Otherwise it is the merged base alone plus `head.safetensors`.
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
  o: { overwrite?: boolean; log?: (line: string) => void } = {},
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
  const taskClass = hfTaskClass(run, merged, o.log);
  await writeDirAtomic(out, async (tmp) => {
    if (taskClass) {
      const config = hfTaskConfig(run, taskClass);
      await saveCheckpoint(tmp, merged, config);
      await run.head.hf?.writeCheckpointFiles?.(tmp, run.headConfig, config);
    } else {
      await run.architecture.saveCheckpoint(
        tmp,
        merged.getSubmodule(headed.basePath),
        run.manifest.architecture.config,
      );
      await saveHeadWeights(path.join(tmp, RUN_FILES.head), headed);
    }
    await writePreprocessorFile(tmp, run.preprocessor.id, run.preprocessOptions, run.instance);
    await run.instance.saveFiles?.(tmp);
    const { failure: _failure, ...manifest } = run.manifest;
    await writeRunManifest(tmp, { ...manifest, kind: 'merged', base: null, status: 'complete' });
  });
  return { outputDir: out, files: (await fs.readdir(out)).sort() };
}

/** `BertForSequenceClassification` when both the architecture and the head declare HF names. */
function hfTaskClass(run: LoadedRun, merged: AnyModule, log?: (line: string) => void): string | undefined {
  const name = hfClassName(run.architecture, run.head);
  if (name === undefined) return undefined;
  const why = run.head.hf?.unsupported?.(merged);
  if (why === undefined) return name;
  log?.(`note: merge: not written as ${name} (${why}): base checkpoint + ${RUN_FILES.head}`);
  return undefined;
}

/** The base's config plus what `transformers` reads for the task class: class name and labels. */
function hfTaskConfig(run: LoadedRun, taskClass: string): Record<string, unknown> {
  const config: Record<string, unknown> = {
    ...(run.manifest.architecture.config as Record<string, unknown>),
    architectures: [taskClass],
  };
  if (run.labels) {
    config['id2label'] = Object.fromEntries(run.labels.map((l, i) => [String(i), l]));
    config['label2id'] = Object.fromEntries(run.labels.map((l, i) => [l, i]));
  }
  return config;
}
