import { type AnyModule, disposeAll, loadCheckpoint, loadTorchStateDict } from '@peftkit/core';
import type * as tf from '@tensorflow/tfjs';
import type { z } from 'zod';

/** How a family's base model sits inside Hugging Face checkpoint files. */
export interface BaseCheckpointSpec<C> {
  /** `model_type` of `config.json` (`bert`, `gpt2`). */
  readonly modelType: string;
  /** HF's `base_model_prefix`: task models store the base under it (`bert.`, `transformer.`). */
  readonly basePrefix: string;
  /** Keys of the base (prefix stripped) that HF files may hold but the model does not need (buffers). */
  readonly ignore: readonly RegExp[];
  readonly configSchema: z.ZodType<C>;
  build(config: C, tensorKeys: ReadonlySet<string>): AnyModule;
}

/** A base read from a checkpoint, with the tensors that belong to a task head (owned by the caller). */
export interface LoadedBaseCheckpoint<C> {
  readonly model: AnyModule;
  readonly config: C;
  /** Head tensors of a task checkpoint (`classifier.*`, `cls.*`), PyTorch layout, keyed as in the file. */
  readonly headTensors: Map<string, tf.Tensor>;
}

/**
 * Reads a Hugging Face checkpoint directory (`config.json` + `model.safetensors`) of one model
 * family into a freshly built base. Accepts both layouts HF writes: a bare base model (keys
 * `embeddings...`) and a task model (keys `bert.embeddings...` plus head keys, which are
 * returned separately). Missing, unexpected or mis-shaped base tensors are one error naming them.
 */
export async function loadBaseCheckpoint<C>(
  dir: string,
  spec: BaseCheckpointSpec<C>,
): Promise<LoadedBaseCheckpoint<C>> {
  const { config: raw, tensors } = await loadCheckpoint(dir);
  const headTensors = new Map<string, tf.Tensor>();
  try {
    if (raw['model_type'] !== spec.modelType) {
      throw new Error(
        `${dir}/config.json: model_type is '${String(raw['model_type'])}', expected '${spec.modelType}' (for a base of another family, set model.architecture to the one that reads it)`,
      );
    }
    const parsed = spec.configSchema.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '<root>'}: ${i.message}`);
      throw new Error(`${dir}/config.json: ${issues.join('; ')}`);
    }
    const prefix = `${spec.basePrefix}.`;
    const prefixed = [...tensors.keys()].some((k) => k.startsWith(prefix));
    const relative = (k: string) =>
      prefixed ? (k.startsWith(prefix) ? k.slice(prefix.length) : undefined) : k;
    const model = spec.build(
      parsed.data,
      new Set([...tensors.keys()].map(relative).filter((k) => k !== undefined)),
    );
    const top = new Set(model.namedChildren().map(([n]) => n));
    const base = new Map<string, tf.Tensor>();
    for (const [key, t] of tensors) {
      const rel = relative(key);
      if (rel === undefined || !top.has(rel.split('.')[0] as string)) {
        headTensors.set(key, t);
        tensors.delete(key);
      } else if (!spec.ignore.some((re) => re.test(rel))) base.set(key, t);
    }
    try {
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
  }
}
