import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import {
  type AnyModule,
  BatchNorm2d,
  Conv2d,
  definePlacement,
  disposeAll,
  fileSystemHandler,
  type ImportedGraphModule,
  importLayersModel,
  Linear,
  loadCheckpoint,
  loadTorchStateDict,
  type Placement,
  saveCheckpoint,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { useFrozenStatsBatchNorm } from '../frozen-batch-norm.js';

/** Roles of an imported model, derived from its layer types. */
export const importedRolesSchema = z.strictObject({
  conv: z.array(z.string()),
  head: z.array(z.string()),
  norm: z.array(z.string()),
});

/**
 * The config of an imported tfjs LayersModel: where its `model.json` is, optionally the layer
 * whose output is the feature vector (to cut off the model's own classifier), and what the
 * import found (filled in by `loadTfjsModel`, kept in `config.json` so placement works later).
 */
export const tfjsModelConfigSchema = z.strictObject({
  model_path: z.string().min(1),
  output_layer: z.string().min(1).optional(),
  features: z.number().int().positive().optional(),
  roles: importedRolesSchema.optional(),
  /** Hints from the preprocessor (informational: the model.json fixes the input shape). */
  image_size: z
    .union([z.number().int().positive(), z.tuple([z.number().int().positive(), z.number().int().positive()])])
    .optional(),
  num_channels: z.number().int().positive().optional(),
});

export type TfjsModelConfig = z.output<typeof tfjsModelConfigSchema>;
export type ImportedRoles = z.output<typeof importedRolesSchema>;

/**
 * Roles from layer types: `conv` = every (non-grouped) Conv2d, `head` = the last Linear in
 * graph order (the classifier of a classification model), `norm` = every BatchNorm.
 */
export function importedRoles(model: AnyModule): ImportedRoles {
  const conv: string[] = [];
  const linears: string[] = [];
  const norm: string[] = [];
  for (const [p, m] of model.namedModules()) {
    if (!p) continue;
    if (m instanceof Conv2d && m.groups === 1) conv.push(p);
    else if (m instanceof Linear) linears.push(p);
    else if (m instanceof BatchNorm2d) norm.push(p);
  }
  return { conv, head: linears.slice(-1), norm };
}

/** The placement of an imported model (roles as `importedRoles` found them). */
export function tfjsPlacement(roles: ImportedRoles): Placement {
  return definePlacement({
    architecture: 'tfjs-layers',
    modelRoles: {
      ...(roles.conv.length ? { conv: roles.conv } : {}),
      ...(roles.head.length ? { head: roles.head } : {}),
      ...(roles.norm.length ? { norm: roles.norm } : {}),
    },
  });
}

/** An imported model with its completed config. */
export interface LoadedTfjsModel {
  readonly model: ImportedGraphModule;
  readonly config: TfjsModelConfig;
}

/**
 * Loads a tfjs `model.json` (+ weight shards) from disk and imports it with core's
 * `importLayersModel`: one module per layer, so LoRA can target its Conv2D/Dense layers. With
 * `output_layer`, the model is cut after that layer (e.g. a MobileNet's global pooling, dropping
 * its ImageNet classifier). BatchNorms become `FrozenStatsBatchNorm2d`, so adapter training on
 * the frozen model leaves their statistics alone.
 *
 * @example
 * const { model, config } = await loadTfjsModel({ model_path: 'mobilenet/model.json', output_layer: 'global_average_pooling2d_1' });
 */
export async function loadTfjsModel(config: z.input<typeof tfjsModelConfigSchema>): Promise<LoadedTfjsModel> {
  const c = tfjsModelConfigSchema.parse(config);
  const full = await tf.loadLayersModel(fileSystemHandler(c.model_path));
  let cut: tf.LayersModel | undefined;
  try {
    if (c.output_layer) {
      const layer = full.layers.find((l) => l.name === c.output_layer);
      if (!layer) {
        throw new Error(
          `${c.model_path}: no layer '${c.output_layer}' (layers: ${full.layers.map((l) => l.name).join(', ')})`,
        );
      }
      cut = tf.model({ inputs: full.inputs, outputs: layer.output as tf.SymbolicTensor });
    }
    const model = importLayersModel(cut ?? full);
    useFrozenStatsBatchNorm(model);
    const out = (cut ?? full).outputs[0]?.shape;
    const features = out && out.length === 2 && typeof out[1] === 'number' ? out[1] : undefined;
    return { model, config: { ...c, ...(features ? { features } : {}), roles: importedRoles(model) } };
  } finally {
    full.dispose();
  }
}

/** True when `dir` holds a tfjs `model.json`. */
export async function isTfjsModelDir(dir: string): Promise<boolean> {
  const p = dir.endsWith('.json') ? dir : path.join(dir, 'model.json');
  return fs.stat(p).then(
    (s) => s.isFile(),
    () => false,
  );
}

/**
 * Reads either a tfjs model directory (`model.json`) or a checkpoint written by
 * `saveTfjsCheckpoint` (`config.json` naming the `model.json`, plus `model.safetensors` with the
 * weights, which replace the imported ones).
 */
export async function loadTfjsCheckpoint(dir: string): Promise<LoadedTfjsModel> {
  if (await isTfjsModelDir(dir)) {
    // An optional config.json beside model.json may name the feature layer.
    const cfg = await fs.readFile(path.join(dir, 'config.json'), 'utf8').then(
      (t) => JSON.parse(t) as Record<string, unknown>,
      () => ({}) as Record<string, unknown>,
    );
    const outputLayer = typeof cfg['output_layer'] === 'string' ? cfg['output_layer'] : undefined;
    return loadTfjsModel({ model_path: dir, ...(outputLayer ? { output_layer: outputLayer } : {}) });
  }
  const { config: json, tensors } = await loadCheckpoint(dir);
  try {
    const parsed = tfjsModelConfigSchema.safeParse({
      model_path: json['model_path'],
      output_layer: json['output_layer'],
      features: json['features'],
      roles: json['roles'],
    });
    if (!parsed.success)
      throw new Error(`${dir}/config.json: not a tfjs-layers checkpoint (${parsed.error.message})`);
    const loaded = await loadTfjsModel(parsed.data);
    loadTorchStateDict(loaded.model, tensors);
    return loaded;
  } finally {
    disposeAll(tensors);
  }
}

/** Writes an imported model's weights plus a `config.json` pointing at its `model.json`. */
export async function saveTfjsCheckpoint(
  dir: string,
  model: AnyModule,
  config: TfjsModelConfig,
): Promise<void> {
  await saveCheckpoint(dir, model, {
    model_type: 'tfjs-layers',
    model_path: path.resolve(config.model_path),
    ...(config.output_layer ? { output_layer: config.output_layer } : {}),
    ...(config.features ? { features: config.features } : {}),
    ...(config.roles ? { roles: config.roles } : {}),
  });
}
