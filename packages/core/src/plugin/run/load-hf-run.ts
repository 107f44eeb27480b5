import * as path from 'node:path';
import { CHECKPOINT_FILES } from '../../io/checkpoint.js';
import { parseHubId } from '../../io/hub/hub-id.js';
import { resolveModelPath } from '../../io/hub/resolve-model-path.js';
import { exists, readJsonObject } from '../../io/read-json.js';
import { readSafetensorsHeader } from '../../io/safetensors.js';
import { torchShapeOf } from '../../nn/layout.js';
import type { AnyModule } from '../../nn/module.js';
import { ADAPTER_FILES, ADAPTER_KEY_PREFIX } from '../../peft/adapter-file.js';
import { PeftModel } from '../../peft/index.js';
import { ensureBackend } from '../../runtime/backend.js';
import { arrayDataset } from '../../train/data/dataset.js';
import { type Architecture, hfClassName } from '../architecture.js';
import type { Head, HeadedModel } from '../head.js';
import { savedHeadConfig } from '../head.js';
import type { PeftkitHost } from '../peftkit-host.js';
import { runConfigSchema } from '../run-config/schema.js';
import { UserError } from '../user-error.js';
import { PEFTKIT_VERSION } from '../version.js';
import { type BuiltModel, buildModel, resolveArchitecture } from './build-model.js';
import { baseLabelsOf, tryBaseHeadWeights } from './head-weights.js';
import type { LoadedRun } from './load-run.js';
import type { RunManifest } from './run-manifest.js';

/** What `loadHfRun` reads: a plain HF PEFT adapter directory and/or an HF checkpoint directory. */
export interface LoadHfRunOptions {
  /** An HF PEFT adapter directory (`adapter_config.json` + `adapter_model.safetensors`) or Hub id. */
  readonly adapter?: string;
  /** The HF base checkpoint (directory or Hub id `org/name[@revision]`); default: the adapter's `base_model_name_or_path`. */
  readonly base?: string;
  /** Resolves a relative `base_model_name_or_path` (first here, then in the adapter directory). Default: `process.cwd()`. */
  readonly cwd?: string;
  /** Receives notes (where the head's weights came from). */
  readonly log?: (line: string) => void;
}

/**
 * Loads Hugging Face directories that no peftkit run wraps, the way `transformers` + `peft` do:
 * the base checkpoint (its `model_type` picks the architecture), the task head its
 * `architectures` class names (`BertForSequenceClassification`) or, failing that, the adapter's
 * `task_type` (`SEQ_CLS`), labels from `id2label`, the head's weights from the adapter's
 * `modules_to_save` or the base, the preprocessor the architecture names (`Architecture.hf`) fed
 * from the base directory's files (a tokenizer), and the adapter itself. Result in eval mode.
 *
 * @example
 * const run = await loadHfRun(host, { adapter: 'my-lora', base: 'models/bert-sst2' });
 * const [p] = await predictRun(run, ['a fine film']);
 */
export async function loadHfRun(host: PeftkitHost, options: LoadHfRunOptions): Promise<LoadedRun> {
  await ensureBackend();
  const cwd = options.cwd ?? process.cwd();
  const hub = { cwd, ...(options.log ? { log: options.log } : {}) };
  const adapterDir = options.adapter !== undefined ? await resolveModelPath(options.adapter, hub) : undefined;
  const adapterConfig = adapterDir
    ? await readJsonObject(path.join(adapterDir, ADAPTER_FILES.config), 'adapter config')
    : undefined;
  const baseDir = await resolveBaseDir(options.base, adapterConfig, adapterDir, hub);
  const baseConfig = await readJsonObject(
    path.join(baseDir, CHECKPOINT_FILES.config),
    'base checkpoint config',
  );
  const architecture = await resolveArchitecture(host, undefined, baseDir);
  const hf = architecture.hf;
  if (!hf) {
    throw new UserError(
      `${baseDir}: architecture '${architecture.id}' declares no Hugging Face interop, so a plain HF directory cannot be used with it; train a peftkit run instead`,
    );
  }
  const head = pickHead(host, architecture, baseConfig, adapterConfig, baseDir);
  // A head's settings the checkpoint implies (generation defaults from generation_config.json).
  const impliedConfig = (await head.hf?.configFromCheckpoint?.(baseDir, baseConfig)) ?? {};
  const headConfig = savedHeadConfig(head, impliedConfig, `${baseDir}: head '${head.id}'`);
  // Labels the adapter's peftkit sidecar names (a pushed run trained on its own labels) win over the base's.
  let labels = (adapterDir ? await sidecarLabels(adapterDir) : undefined) ?? (await baseLabelsOf(baseDir));
  const adapterHead = adapterDir ? await adapterTensorShapes(adapterDir) : new Map<string, number[]>();

  const build = (l: readonly string[] | undefined) =>
    buildModel({ architecture, head, headId: head.id, headConfig, labels: l, baseDir });
  let built = await build(labels);
  // HF PEFT saves no config.json: a head trained with another num_labels than the base's
  // id2label shows only in the adapter's tensor shapes. Rebuild with HF's LABEL_<i> names then.
  const resized = resizedLabelCount(built.headed, adapterHead, labels?.length);
  if (resized !== undefined) {
    built.headed.model.dispose();
    options.log?.(
      `note: the adapter's head has ${resized} outputs, the base's id2label ${labels?.length ?? 0} labels: using LABEL_0..LABEL_${resized - 1}`,
    );
    labels = Array.from({ length: resized }, (_, i) => `LABEL_${i}`);
    built = await build(labels);
  }
  const fromAdapter = headInAdapter(built.headed, adapterHead, adapterConfig);
  const fromBase = await tryBaseHeadWeights(baseDir, built.headed, labels);
  if (built.headed.headPaths.length > 0 && !fromAdapter && !fromBase.reused) {
    built.headed.model.dispose();
    throw new UserError(
      `${adapterDir ?? baseDir}: no weights for head ${built.headed.headPaths.join(', ')} (${head.id}): neither the adapter's modules_to_save nor the base checkpoint has them (${fromBase.note})`,
    );
  }
  // A head inside the base model (an encoder-decoder's LM head) has no weights of its own to note.
  if (built.headed.headPaths.length > 0) {
    options.log?.(
      `note: ${fromAdapter ? `head ${built.headed.headPaths.join(', ')}: from the adapter's modules_to_save` : fromBase.note}`,
    );
  }

  let prepared: Awaited<ReturnType<typeof basePreprocessor>>;
  try {
    prepared = await basePreprocessor(host, hf.preprocessor, baseDir, labels);
  } catch (err) {
    built.headed.model.dispose();
    throw err;
  }
  const { preprocessor, preprocessOptions, instance } = prepared;

  let model: AnyModule = built.headed.model;
  if (adapterDir) {
    try {
      model = await PeftModel.fromPretrained(built.headed.model, adapterDir, {
        placement: built.placement,
        methods: host.peftMethods,
      });
    } catch (err) {
      built.headed.model.dispose();
      throw new UserError(`${adapterDir}: loading the adapter failed: ${(err as Error).message}`, 2, {
        cause: err,
      });
    }
  }
  model.eval();
  const manifest = hfManifest(host, {
    architecture,
    head,
    built,
    labels,
    baseDir,
    adapterConfig,
    preprocessOptions,
    impliedConfig,
  });
  return {
    dir: adapterDir ?? baseDir,
    manifest,
    architecture,
    head,
    preprocessor,
    instance,
    preprocessOptions,
    headConfig,
    built,
    model,
    labels,
    baseDir,
  };
}

/** The architecture's preprocessor with default options, fed from the base directory's files (a tokenizer). */
async function basePreprocessor(
  host: PeftkitHost,
  id: string,
  baseDir: string,
  labels: readonly string[] | undefined,
) {
  const preprocessor = host.preprocessors.get(id);
  const parsed = preprocessor.optionsSchema ? preprocessor.optionsSchema.safeParse({}) : undefined;
  if (parsed && !parsed.success) {
    throw new Error(
      `preprocessor '${preprocessor.id}' has no valid default options: ${parsed.error.message}`,
    );
  }
  const preprocessOptions = (parsed?.data ?? {}) as Readonly<Record<string, unknown>>;
  const instance = preprocessor.create(preprocessOptions, { labels });
  await instance.fit?.(arrayDataset([], baseDir), { restored: false, baseDir });
  return { preprocessor, preprocessOptions, instance };
}

/** `labels` of the adapter's `peftkit.json` sidecar, when it has a non-empty string array there. */
async function sidecarLabels(adapterDir: string): Promise<string[] | undefined> {
  const file = path.join(adapterDir, ADAPTER_FILES.sidecar);
  if (!(await exists(file))) return undefined;
  const labels = (await readJsonObject(file, 'peftkit sidecar'))['labels'];
  return Array.isArray(labels) && labels.length > 0 && labels.every((l) => typeof l === 'string')
    ? labels
    : undefined;
}

/** True when `dir` holds a Hugging Face PEFT adapter (`adapter_config.json`). */
export function isHfAdapterDir(dir: string): Promise<boolean> {
  return exists(path.join(dir, ADAPTER_FILES.config));
}

/** True when `dir` holds a Hugging Face checkpoint (`config.json`). */
export function isHfCheckpointDir(dir: string): Promise<boolean> {
  return exists(path.join(dir, CHECKPOINT_FILES.config));
}

async function resolveBaseDir(
  base: string | undefined,
  adapterConfig: Record<string, unknown> | undefined,
  adapterDir: string | undefined,
  hub: { cwd: string; log?: (line: string) => void },
): Promise<string> {
  const { cwd } = hub;
  if (base !== undefined) {
    const dir = await resolveModelPath(base, hub);
    if (!(await exists(path.join(dir, CHECKPOINT_FILES.config)))) {
      throw new UserError(
        `--base ${base}: not a checkpoint directory (no ${CHECKPOINT_FILES.config} in ${dir})`,
      );
    }
    return dir;
  }
  const name = adapterConfig?.['base_model_name_or_path'];
  const where = adapterDir ? path.join(adapterDir, ADAPTER_FILES.config) : 'adapter config';
  if (typeof name !== 'string' || name === '') {
    throw new UserError(`${where}: no base_model_name_or_path; pass --base <dir>`);
  }
  // transformers resolves it against the working directory; an adapter shipped next to its base
  // usually names it relative to itself, so that is tried second.
  for (const candidate of [
    path.resolve(cwd, name),
    ...(adapterDir ? [path.resolve(adapterDir, name)] : []),
  ]) {
    if (await exists(path.join(candidate, CHECKPOINT_FILES.config))) return candidate;
  }
  if (parseHubId(name)) {
    // A Hub id, as PEFT writes it for Hub bases: the Hugging Face cache, downloading what is missing.
    // PEFT records the base's revision next to it (`revision`); pin it unless the name has one.
    const revision = adapterConfig?.['revision'];
    const id =
      typeof revision === 'string' && revision !== '' && !name.includes('@') ? `${name}@${revision}` : name;
    const dir = await resolveModelPath(id, hub);
    if (await exists(path.join(dir, CHECKPOINT_FILES.config))) return dir;
    throw new UserError(
      `${where}: base_model_name_or_path '${name}' (${dir}) has no ${CHECKPOINT_FILES.config}`,
    );
  }
  throw new UserError(
    `${where}: base_model_name_or_path '${name}' is not a checkpoint directory (no config.json relative to ${cwd} or the adapter); pass --base <dir>`,
  );
}

/** The head whose HF task class the base names, else the one serving the adapter's `task_type`. */
function pickHead(
  host: PeftkitHost,
  architecture: Architecture,
  baseConfig: Record<string, unknown>,
  adapterConfig: Record<string, unknown> | undefined,
  baseDir: string,
): Head {
  const heads = host.heads.values().filter((h) => h.hf !== undefined);
  const classes = Array.isArray(baseConfig['architectures']) ? baseConfig['architectures'].map(String) : [];
  const taskType = adapterConfig?.['task_type'];
  if (typeof taskType === 'string') {
    const byTask = heads.find((h) => h.hf?.taskTypes.includes(taskType));
    if (byTask) return byTask;
  }
  for (const cls of classes) {
    const byClass = heads.find((h) => hfClassName(architecture, h) === cls);
    if (byClass) return byClass;
  }
  const known = heads
    .map((h) => `${hfClassName(architecture, h)} / ${h.hf?.taskTypes.join(', ')}`)
    .join('; ');
  throw new UserError(
    `${baseDir}: cannot tell the task: config.json architectures [${classes.join(', ')}] and the adapter's task_type ${JSON.stringify(taskType ?? null)} match no installed head (known: ${known || 'none'})`,
  );
}

/** `<module path>.<param>` -> PyTorch shape of every tensor in the adapter's weights file. */
async function adapterTensorShapes(adapterDir: string): Promise<Map<string, number[]>> {
  const file = path.join(adapterDir, ADAPTER_FILES.weights);
  const header = await readSafetensorsHeader(file);
  return new Map(
    header.entries
      .filter((e) => e.name.startsWith(ADAPTER_KEY_PREFIX))
      .map((e) => [e.name.slice(ADAPTER_KEY_PREFIX.length), e.shape]),
  );
}

/** PyTorch-layout shapes of the head's tensors, keyed `<headPath>.<param>`. */
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
 * The adapter's label count when its copy of the head has another number of outputs than the head
 * built from the base's labels (dim 0 of a tensor whose dim 0 is the current label count).
 */
function resizedLabelCount(
  headed: HeadedModel,
  adapterShapes: ReadonlyMap<string, number[]>,
  current: number | undefined,
): number | undefined {
  if (current === undefined) return undefined;
  for (const [k, shape] of headShapes(headed)) {
    const saved = adapterShapes.get(k);
    if (saved && shape[0] === current && saved[0] !== undefined && saved[0] !== current) return saved[0];
  }
  return undefined;
}

/** True when the adapter saves every head tensor (its `modules_to_save` cover the head). */
function headInAdapter(
  headed: HeadedModel,
  adapterShapes: ReadonlyMap<string, number[]>,
  adapterConfig: Record<string, unknown> | undefined,
): boolean {
  const saved = adapterConfig?.['modules_to_save'];
  if (!Array.isArray(saved) || headed.headPaths.length === 0) return false;
  const shapes = headShapes(headed);
  return shapes.size > 0 && [...shapes.keys()].every((k) => adapterShapes.has(k));
}

/** A manifest describing the HF directories as a peftkit run would, so eval/predict/merge treat them alike. */
function hfManifest(
  host: PeftkitHost,
  a: {
    architecture: Architecture;
    head: Head;
    built: BuiltModel;
    labels: readonly string[] | undefined;
    baseDir: string;
    adapterConfig: Record<string, unknown> | undefined;
    preprocessOptions: Readonly<Record<string, unknown>>;
    impliedConfig: Record<string, unknown>;
  },
): RunManifest {
  const pluginId = host.architectures.pluginOf(a.architecture.id);
  const domain = host.plugins.find((p) => p.plugin.id === pluginId)?.plugin.domain;
  const config = runConfigSchema.parse({
    ...(domain ? { domain } : {}),
    task: a.head.task,
    preprocess: { id: a.architecture.hf?.preprocessor, options: a.preprocessOptions },
    model: { architecture: a.architecture.id, base: a.baseDir },
    head: { id: a.head.id, config: a.impliedConfig },
    peft: a.adapterConfig ? { peftType: String(a.adapterConfig['peft_type']) } : 'full',
    training: { maxSteps: 1 },
  });
  return {
    format: 'peftkit-run',
    version: 1,
    kind: a.adapterConfig ? 'adapter' : 'full',
    status: 'complete',
    config,
    architecture: { id: a.architecture.id, config: a.built.archConfig },
    base: a.baseDir,
    head: {
      id: a.head.id,
      config: a.impliedConfig,
      basePath: a.built.headed.basePath,
      headPaths: [...a.built.headed.headPaths],
    },
    reader: null,
    labels: a.labels ? [...a.labels] : null,
    peftkitVersion: PEFTKIT_VERSION,
  };
}
