import type * as tf from '@tensorflow/tfjs';
import type { z } from 'zod';
import { toTorchLayout } from '../nn/layout.js';
import type { AnyModule } from '../nn/module.js';
import { loadCheckpoint } from './checkpoint.js';
import { disposeAll, loadTorchStateDict } from './torch-state-dict.js';

/** How a family's base model sits inside Hugging Face checkpoint files. */
export interface BaseCheckpointSpec<C, M extends AnyModule = AnyModule> {
  /**
   * `model_type` values `config.json` may hold (`'bert'`, `['wav2vec2']`); another value is an
   * error naming the file, so a directory of another family is not half-loaded.
   */
  readonly modelType: string | readonly string[];
  /**
   * HF's `base_model_prefix` (`bert`, `transformer`, `vit`, `wav2vec2`, `model`): task models
   * store the base under it. `''` for families without one (torchvision state dicts).
   */
  readonly basePrefix: string;
  /** Keys of the base (prefix stripped) that files may hold but the model does not need (buffers); dropped. */
  readonly ignore?: readonly RegExp[];
  /**
   * Keys of the base (prefix stripped) of parts the model is built without (ViT's `pooler.`, a
   * ResNet's `fc.` under a new head): returned in `headTensors` instead of being refused as
   * unexpected.
   */
  readonly notBuilt?: readonly RegExp[];
  /**
   * State-dict keys of the model (prefix stripped) that files may lack; they keep the value the
   * model was built with (torchvision files before 0.4 have no `num_batches_tracked`).
   */
  readonly optional?: readonly RegExp[];
  /** Validates `config.json`; should accept (and drop) the many keys it does not use. */
  readonly configSchema: z.ZodType<C>;
  /** Builds the empty base; `tensorKeys` are the file's base keys (prefix stripped), to size optional parts. */
  build(config: C, tensorKeys: ReadonlySet<string>): M;
}

/** A base read from a checkpoint, with the tensors that belong to a task head (owned by the caller). */
export interface LoadedBaseCheckpoint<C, M extends AnyModule = AnyModule> {
  /** The built base, typed as `spec.build` returns it (`BertModel`), so it passes to task models as is. */
  readonly model: M;
  readonly config: C;
  /**
   * Tensors of the file that are not the base's, keyed as in the file, PyTorch layout: a task
   * model's head (`classifier.*`, `cls.*`, `lm_head.weight`) or parts the base was built without
   * (`pooler.*`). The caller disposes them (or reuses them for its head).
   */
  readonly headTensors: Map<string, tf.Tensor>;
}

/**
 * Reads a Hugging Face checkpoint directory (`config.json` + `model.safetensors`, or sharded
 * with an index) of one model family into a freshly built base: the one way every plugin loads
 * HF weights. Accepts both layouts HF writes: a bare base model (keys `embeddings...`) and a
 * task model (keys `<basePrefix>.embeddings...` plus head keys). Keys outside the prefix (the
 * head) and keys of parts in `notBuilt` come back in `headTensors`. Missing, unexpected or
 * mis-shaped base tensors are one error naming each of them and the directory; a config error
 * names the field; a `model_type` of another family is refused.
 *
 * @example
 * const { model, config, headTensors } = await loadBaseCheckpoint('models/bert-base-uncased', {
 *   modelType: 'bert', basePrefix: 'bert', ignore: [/^embeddings\.position_ids$/],
 *   configSchema: bertConfigFileSchema, build: (c) => new BertModel(c),
 * });
 * disposeAll(headTensors);
 */
export async function loadBaseCheckpoint<C, M extends AnyModule = AnyModule>(
  dir: string,
  spec: BaseCheckpointSpec<C, M>,
): Promise<LoadedBaseCheckpoint<C, M>> {
  const { config: raw, tensors } = await loadCheckpoint(dir);
  const headTensors = new Map<string, tf.Tensor>();
  const filled: tf.Tensor[] = [];
  try {
    const types: readonly string[] = typeof spec.modelType === 'string' ? [spec.modelType] : spec.modelType;
    if (!types.includes(String(raw['model_type']))) {
      throw new Error(
        `${dir}/config.json: model_type is '${String(raw['model_type'])}', expected ${types.map((t) => `'${t}'`).join(' or ')} (for a base of another family, set model.architecture to the one that reads it)`,
      );
    }
    const parsed = spec.configSchema.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '<root>'}: ${i.message}`);
      throw new Error(`${dir}/config.json: ${issues.join('; ')}`);
    }
    const prefix = spec.basePrefix ? `${spec.basePrefix}.` : '';
    const prefixed = prefix !== '' && [...tensors.keys()].some((k) => k.startsWith(prefix));
    const relative = (k: string) =>
      prefixed ? (k.startsWith(prefix) ? k.slice(prefix.length) : undefined) : k;
    const model = spec.build(
      parsed.data,
      new Set([...tensors.keys()].map(relative).filter((k) => k !== undefined)),
    );
    try {
      const top = new Set(model.namedChildren().map(([n]) => n));
      const base = new Map<string, tf.Tensor>();
      for (const [key, t] of tensors) {
        const rel = relative(key);
        const head =
          rel === undefined ||
          (!top.has(rel.split('.')[0] as string) && spec.notBuilt?.some((re) => re.test(rel)));
        if (head) {
          headTensors.set(key, t);
          tensors.delete(key);
        } else if (!spec.ignore?.some((re) => re.test(rel))) base.set(key, t);
      }
      const at = prefixed ? prefix : '';
      for (const [path, p] of model.stateDict()) {
        if (base.has(at + path) || !spec.optional?.some((re) => re.test(path))) continue;
        const t = toTorchLayout(p.value, p.layout);
        filled.push(t);
        base.set(at + path, t);
      }
      loadTorchStateDict(model, base, { prefix: prefixed ? spec.basePrefix : '' });
    } catch (err) {
      model.dispose();
      throw new Error(`${dir}: ${(err as Error).message}`, { cause: err });
    }
    return { model, config: parsed.data, headTensors };
  } catch (err) {
    disposeAll(headTensors);
    throw err;
  } finally {
    disposeAll(tensors);
    disposeAll(filled);
  }
}
