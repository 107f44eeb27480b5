import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { saveCheckpoint } from '../../io/checkpoint.js';
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
 * `config.json` + `model.safetensors`, `preprocessor.json`, the preprocessor's own files (a
 * tokenizer) and a `merged` run manifest, so `peftkit eval`/`predict` work on it without the
 * adapter or the original base.
 *
 * When the architecture and head declare their Hugging Face classes (`Architecture.hf`,
 * `Head.hf`), the checkpoint is the HF task model: `config.json` with `architectures`
 * (`BertForSequenceClassification`), `id2label`/`label2id`, and the head's weights inside
 * `model.safetensors` under HF's names (`bert.*`, `classifier.*`), which `transformers` loads as
 * that class. Otherwise it is the merged base alone plus `head.safetensors`.
 *
 * @example
 * await mergeRun(await loadRun(host, 'runs/demo'), 'runs/demo-merged');
 */
export async function mergeRun(
  run: LoadedRun,
  outDir: string,
  options: { log?: (line: string) => void } = {},
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
  const taskClass = hfTaskClass(run, merged, options.log);
  if (taskClass) {
    await saveCheckpoint(out, merged, hfTaskConfig(run, taskClass));
    await fs.rm(path.join(out, RUN_FILES.head), { force: true });
  } else {
    await run.architecture.saveCheckpoint(
      out,
      merged.getSubmodule(headed.basePath),
      run.manifest.architecture.config,
    );
    await saveHeadWeights(path.join(out, RUN_FILES.head), headed);
  }
  await writePreprocessorFile(out, run.preprocessor.id, run.preprocessOptions, run.instance);
  await run.instance.saveFiles?.(out);
  await writeRunManifest(out, { ...run.manifest, kind: 'merged', base: null, status: 'complete' });
  return { outputDir: out, files: (await fs.readdir(out)).sort() };
}

/** `BertForSequenceClassification` when both the architecture and the head declare HF names. */
function hfTaskClass(run: LoadedRun, merged: AnyModule, log?: (line: string) => void): string | undefined {
  const a = run.architecture.hf;
  const h = run.head.hf;
  if (!a || !h) return undefined;
  const name = `${a.classPrefix}${h.classSuffix}`;
  const why = h.unsupported?.(merged);
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
