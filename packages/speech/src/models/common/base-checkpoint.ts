import { type AnyModule, disposeAll, loadCheckpoint, loadTorchStateDict } from '@peftkit/core';
import type * as tf from '@tensorflow/tfjs';
import type { z } from 'zod';

/** How one speech family's base model sits inside Hugging Face checkpoint files. */
export interface SpeechCheckpointSpec<C> {
  /** `model_type` values of `config.json` this family reads. */
  readonly modelTypes: readonly string[];
  readonly configSchema: z.ZodType<C>;
  /**
   * Where the base may sit in the file, tried in order (`'model.encoder.'` for a full Whisper,
   * `'wav2vec2.'` for a task model, `''` for a bare base): the first under which some key names
   * one of the base's top-level children is used.
   */
  readonly prefixes: readonly string[];
  /** Renames a key relative to the base (alternative spellings HF writes for the same tensor). */
  readonly rename?: (key: string) => string;
  /** Keys relative to the base that files may hold but the model does not use (buffers). */
  readonly ignore?: readonly RegExp[];
  /** Builds the base; `fileKeys` are the file's keys as written (for optional tensors). */
  build(config: C, fileKeys: ReadonlySet<string>): AnyModule;
}

/** A base read from a checkpoint directory. */
export interface LoadedSpeechBase<C> {
  readonly model: AnyModule;
  readonly config: C;
  /** The prefix the base was found under (`''` for a bare base). */
  readonly prefix: string;
  /** File keys left out on purpose: other parts of the file (decoder, task head) and ignored buffers. */
  readonly ignored: readonly string[];
}

function topChild(key: string): string {
  return key.split('.')[0] as string;
}

/**
 * Reads a Hugging Face checkpoint directory (`config.json` + `model.safetensors`) of one speech
 * family into a freshly built base. The base may be the whole file or one part of it (a task
 * model's `wav2vec2.*`, a full Whisper's `model.encoder.*`); keys outside it are reported in
 * `ignored`, not loaded. Missing, unexpected or mis-shaped base tensors are one error naming them.
 */
export async function loadSpeechBase<C>(
  dir: string,
  spec: SpeechCheckpointSpec<C>,
): Promise<LoadedSpeechBase<C>> {
  const { config: raw, tensors } = await loadCheckpoint(dir);
  try {
    const modelType = raw['model_type'];
    if (typeof modelType !== 'string' || !spec.modelTypes.includes(modelType)) {
      throw new Error(
        `${dir}/config.json: model_type is '${String(modelType)}', expected ${spec.modelTypes.map((t) => `'${t}'`).join(' or ')} (for a base of another family, set model.architecture to the one that reads it)`,
      );
    }
    const parsed = spec.configSchema.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '<root>'}: ${i.message}`);
      throw new Error(`${dir}/config.json: ${issues.join('; ')}`);
    }
    const model = spec.build(parsed.data, new Set(tensors.keys()));
    try {
      // Top-level names of the base: its children and its own parameters (wav2vec2's masked_spec_embed).
      const top = new Set(
        [...model.namedChildren(), ...model.namedOwnParameters(), ...model.namedOwnBuffers()].map(([n]) => n),
      );
      const keys = [...tensors.keys()];
      const prefix = spec.prefixes.find((p) =>
        keys.some((k) => k.startsWith(p) && top.has(topChild(k.slice(p.length)))),
      );
      if (prefix === undefined) {
        throw new Error(
          `${dir}: no tensor of a ${spec.modelTypes[0]} base found (looked for keys under ${spec.prefixes.map((p) => `'${p}'`).join(', ')} starting with ${[...top].join(', ')})`,
        );
      }
      const base = new Map<string, tf.Tensor>();
      const ignored: string[] = [];
      for (const [key, t] of tensors) {
        const rel = key.startsWith(prefix) ? key.slice(prefix.length) : undefined;
        if (rel === undefined || (prefix === '' && !top.has(topChild(rel)))) ignored.push(key);
        else if (spec.ignore?.some((re) => re.test(rel))) ignored.push(key);
        else base.set(spec.rename ? spec.rename(rel) : rel, t);
      }
      try {
        loadTorchStateDict(model, base);
      } catch (err) {
        const msg = (err as Error).message;
        throw new Error(`${dir}: ${prefix ? `(base under '${prefix}') ` : ''}${msg}`, { cause: err });
      }
      return { model, config: parsed.data, prefix, ignored };
    } catch (err) {
      model.dispose();
      throw err;
    }
  } finally {
    disposeAll(tensors);
  }
}
