import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { CHECKPOINT_FILES } from '../../io/checkpoint.js';
import { exists, readJsonObject } from '../../io/read-json.js';
import { loadSafetensors, readSafetensorsHeader } from '../../io/safetensors.js';
import type { SafetensorsHeader } from '../../io/safetensors-header.js';
import { saveSafetensors } from '../../io/safetensors-writer.js';
import { disposeAll, loadTorchStateDict, toTorchStateDict } from '../../io/torch-state-dict.js';
import { sameShape, torchShapeOf } from '../../nn/layout.js';
import type { HeadedModel } from '../head.js';
import { UserError } from '../user-error.js';
import { RUN_FILES } from './run-files.js';

/** Writes the head's modules (PyTorch layout, keys `<headPath>.<param>`) to one safetensors file. */
export async function saveHeadWeights(file: string, headed: HeadedModel): Promise<void> {
  const all = new Map<string, tf.Tensor>();
  try {
    for (const p of headed.headPaths) {
      for (const [k, t] of toTorchStateDict(headed.model.getSubmodule(p), { prefix: p })) all.set(k, t);
    }
    await saveSafetensors(file, all, { format: 'pt', content: 'peftkit-head' });
  } finally {
    disposeAll(all);
  }
}

/** Loads `<headPath>.<param>` tensors (PyTorch layout) into each of the head's modules (strict). */
function loadIntoHead(headed: HeadedModel, tensors: ReadonlyMap<string, tf.Tensor>): void {
  for (const p of headed.headPaths) {
    const own = new Map([...tensors].filter(([k]) => k.startsWith(`${p}.`)));
    loadTorchStateDict(headed.model.getSubmodule(p), own, { prefix: p });
  }
}

/** Loads a file written by `saveHeadWeights` into the head's modules (strict). */
export async function loadHeadWeights(file: string, headed: HeadedModel): Promise<void> {
  const { tensors } = await loadSafetensors(file);
  try {
    loadIntoHead(headed, tensors);
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
  } finally {
    disposeAll(tensors);
  }
}

/** One safetensors file of a base checkpoint and the head tensors it holds (name -> PyTorch shape). */
interface HeadTensorSource {
  readonly file: string;
  readonly shapes: Map<string, number[]>;
}

/**
 * Starts the head of `headed` from the weights a base checkpoint already has for it, generically:
 * tensors named `<headPath>.<param>` in the base's `head.safetensors` (peftkit full, pretrained
 * and merged runs) or in its weights (`model.safetensors` or the shards of
 * `model.safetensors.index.json`: a Hugging Face task model such as `BertForSequenceClassification`
 * keeps `classifier.*` next to `bert.*`). They are used only when their names and shapes match the
 * head exactly and, for a run with labels, the base's label set (its `peftkit-run.json` `labels`,
 * else the `id2label` names of its `config.json`, else the tokens of its HF `vocab.json`, as a
 * `Wav2Vec2ForCTC`'s `lm_head` outputs them; each in id order) equals the run's. Otherwise the
 * fresh head stays. Returns a one-line note saying which happened and why, or undefined when the
 * head has no weights at all.
 *
 * @example
 * const note = await reuseBaseHeadWeights('models/bert-sst2', headed, ['negative', 'positive']);
 */
export async function reuseBaseHeadWeights(
  baseDir: string,
  headed: HeadedModel,
  labels: readonly string[] | undefined,
): Promise<string | undefined> {
  return (await tryBaseHeadWeights(baseDir, headed, labels)).note;
}

/** `reuseBaseHeadWeights`, also saying whether the base's weights were loaded. */
export async function tryBaseHeadWeights(
  baseDir: string,
  headed: HeadedModel,
  labels: readonly string[] | undefined,
): Promise<{ reused: boolean; note: string | undefined }> {
  const note = await reuseOrExplain(baseDir, headed, labels);
  return { reused: note?.reused ?? false, note: note?.text };
}

async function reuseOrExplain(
  baseDir: string,
  headed: HeadedModel,
  labels: readonly string[] | undefined,
): Promise<{ reused: boolean; text: string } | undefined> {
  const expected = headShapes(headed);
  if (expected.size === 0) return undefined;
  const what = `head ${headed.headPaths.join(', ')}`;
  const fresh = (why: string) => ({ reused: false, text: `${what}: ${why}: starting a fresh head` });
  const prefixes = headed.headPaths.map((p) => `${p}.`);
  const sources = await headTensorSources(baseDir, (k) => prefixes.some((p) => k.startsWith(p)));
  if (sources.length === 0) return fresh(`the base ${baseDir} has no weights for it`);

  if (labels !== undefined) {
    const baseLabels = await baseLabelsOf(baseDir);
    if (baseLabels === undefined) {
      return fresh(
        `the base records no label names (no labels in ${RUN_FILES.manifest}, no id2label in config.json, no ${VOCABULARY_FILE})`,
      );
    }
    if (baseLabels.length !== labels.length) {
      return fresh(
        `the base head has ${baseLabels.length} labels (${listed(baseLabels)}), the run has ${labels.length} (${listed(labels)})`,
      );
    }
    if (baseLabels.some((l, i) => l !== labels[i])) {
      return fresh(
        `the base head's labels (${listed(baseLabels)}) differ from the run's (${listed(labels)})`,
      );
    }
  }

  const found = new Map<string, number[]>();
  for (const s of sources) for (const [k, shape] of s.shapes) found.set(k, shape);
  const problems = [
    ...[...expected.keys()].filter((k) => !found.has(k)).map((k) => `${k} missing`),
    ...[...found.keys()].filter((k) => !expected.has(k)).map((k) => `unexpected ${k}`),
    ...[...expected]
      .filter(([k, shape]) => found.has(k) && !sameShape(found.get(k) as number[], shape))
      .map(([k, shape]) => `${k} is [${found.get(k)}] in the base, [${shape}] here`),
  ];
  if (problems.length) return fresh(`the base head's tensors do not match (${listed(problems)})`);

  try {
    await loadHeadFromSources(headed, sources);
  } catch (err) {
    throw new UserError(`${baseDir}: reading the base's head weights failed: ${(err as Error).message}`, 2, {
      cause: err,
    });
  }
  const files = sources.map((s) => path.basename(s.file)).join(', ');
  return {
    reused: true,
    text: `${what}: starting from the base's weights in ${files}${labels ? ' (same labels)' : ''}`,
  };
}

/**
 * Loads the head of a full or merged run directory (strict): its `head.safetensors`, else the
 * head's tensors inside its weights (a merged Hugging Face task checkpoint keeps `classifier.*`
 * in `model.safetensors`).
 */
export async function loadRunHeadWeights(dir: string, headed: HeadedModel): Promise<void> {
  const headFile = path.join(dir, RUN_FILES.head);
  if (await exists(headFile)) return loadHeadWeights(headFile, headed);
  if (headed.headPaths.length === 0) return;
  const prefixes = headed.headPaths.map((p) => `${p}.`);
  const sources = await headTensorSources(dir, (k) => prefixes.some((p) => k.startsWith(p)));
  try {
    await loadHeadFromSources(headed, sources);
  } catch (err) {
    throw new Error(`${dir}: reading the head's weights: ${(err as Error).message}`, { cause: err });
  }
}

/** Reads the head's tensors from `sources` into the head; the read copies are freed either way. */
async function loadHeadFromSources(headed: HeadedModel, sources: readonly HeadTensorSource[]): Promise<void> {
  const tensors = new Map<string, tf.Tensor>();
  try {
    for (const s of sources) {
      const { tensors: loaded } = await loadSafetensors(s.file, { keys: s.shapes.keys() });
      for (const [k, t] of loaded) tensors.set(k, t);
    }
    loadIntoHead(headed, tensors);
  } finally {
    disposeAll(tensors);
  }
}

/** `<headPath>.<param>` -> PyTorch-layout shape, for every parameter and buffer of the head. */
function headShapes(headed: HeadedModel): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const p of headed.headPaths) {
    for (const [k, param] of headed.model.getSubmodule(p).stateDict()) {
      out.set(`${p}.${k}`, torchShapeOf(param.shape, param.layout));
    }
  }
  return out;
}

/**
 * The first of `head.safetensors`, `model.safetensors`, and the shards of
 * `model.safetensors.index.json` that holds tensors selected by `isHead` (several files only for
 * shards), with those tensors' shapes read from the headers.
 */
async function headTensorSources(
  baseDir: string,
  isHead: (key: string) => boolean,
): Promise<HeadTensorSource[]> {
  for (const name of [RUN_FILES.head, CHECKPOINT_FILES.weights]) {
    const file = path.join(baseDir, name);
    if (!(await exists(file))) continue;
    const shapes = headerShapes(await readSafetensorsHeader(file), isHead);
    if (shapes.size) return [{ file, shapes }];
  }
  const index = path.join(baseDir, CHECKPOINT_FILES.weightsIndex);
  if ((await exists(path.join(baseDir, CHECKPOINT_FILES.weights))) || !(await exists(index))) return [];
  const weightMap = (await readJsonObject(index, 'checkpoint weight index'))['weight_map'];
  const shards = new Set<string>();
  for (const [k, shard] of Object.entries((weightMap ?? {}) as Record<string, unknown>)) {
    if (isHead(k) && typeof shard === 'string') shards.add(shard);
  }
  const sources: HeadTensorSource[] = [];
  for (const shard of shards) {
    const file = path.join(baseDir, shard);
    sources.push({ file, shapes: headerShapes(await readSafetensorsHeader(file), isHead) });
  }
  return sources;
}

function headerShapes(header: SafetensorsHeader, isHead: (key: string) => boolean): Map<string, number[]> {
  return new Map(header.entries.filter((e) => isHead(e.name)).map((e) => [e.name, e.shape]));
}

/**
 * The label names of a base checkpoint's head: `labels` of its `peftkit-run.json`, else the values
 * of `id2label` in its `config.json` (Hugging Face), else the tokens of its `vocab.json`, ordered
 * by id. Undefined when none says.
 */
export async function baseLabelsOf(baseDir: string): Promise<string[] | undefined> {
  const manifestFile = path.join(baseDir, RUN_FILES.manifest);
  if (await exists(manifestFile)) {
    const labels = (await readJsonObject(manifestFile, 'run manifest'))['labels'];
    if (Array.isArray(labels)) return labels.map(String);
  }
  const configFile = path.join(baseDir, CHECKPOINT_FILES.config);
  if (await exists(configFile)) {
    const id2label = (await readJsonObject(configFile, 'checkpoint config'))['id2label'];
    if (typeof id2label === 'object' && id2label !== null && !Array.isArray(id2label)) {
      const entries = Object.entries(id2label as Record<string, unknown>).map(
        ([id, l]) => [Number(id), String(l)] as const,
      );
      if (entries.some(([id]) => !Number.isInteger(id))) return undefined;
      return entries.sort((a, b) => a[0] - b[0]).map(([, l]) => l);
    }
  }
  return vocabularyTokens(path.join(baseDir, VOCABULARY_FILE));
}

/** Hugging Face's token vocabulary file (`{ token: id }`), whose tokens a CTC or LM head outputs. */
const VOCABULARY_FILE = 'vocab.json';

/**
 * The tokens of a flat `vocab.json` (`{ "<pad>": 0, "a": 1, ... }`, as `Wav2Vec2CTCTokenizer`
 * writes it) in id order, when the ids are exactly 0..n-1; else undefined (absent, nested, or not
 * a plain id map, like a BPE vocabulary with gaps).
 */
async function vocabularyTokens(file: string): Promise<string[] | undefined> {
  if (!(await exists(file))) return undefined;
  const vocab = await readJsonObject(file, 'token vocabulary').catch(() => undefined);
  if (!vocab) return undefined;
  const tokens: string[] = [];
  for (const [token, id] of Object.entries(vocab)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || tokens[id] !== undefined)
      return undefined;
    tokens[id] = token;
  }
  const n = Object.keys(vocab).length;
  return tokens.length === n && n > 0 ? tokens : undefined;
}

/** Up to five items, comma-separated, with a count of the rest. */
function listed(items: readonly string[]): string {
  const shown = items.slice(0, 5).join(', ');
  return items.length > 5 ? `${shown}, ... ${items.length - 5} more` : shown;
}
