import { type AnyModule, type LoadedBaseCheckpoint, loadBaseCheckpoint, saveCheckpoint } from '@peftkit/core';
import { type Gpt2Config, gpt2ConfigFileSchema } from './config.js';
import { Gpt2Model } from './model.js';

/** HF's `base_model_prefix` for GPT-2 task models (`transformer.h.0...`). */
export const GPT2_BASE_PREFIX = 'transformer';

/**
 * Reads a GPT-2 checkpoint directory (model_type `gpt2`): the hub's `gpt2` files (unprefixed keys,
 * with the `attn.bias` / `attn.masked_bias` mask buffers, which are ignored) or a task model's
 * (`transformer.` prefix; `lm_head.weight`, tied to `wte`, and other head keys come back as
 * `headTensors`).
 *
 * @example const { model, config } = await loadGpt2Checkpoint('models/gpt2');
 */
export function loadGpt2Checkpoint(dir: string): Promise<LoadedBaseCheckpoint<Gpt2Config, Gpt2Model>> {
  return loadBaseCheckpoint(dir, {
    modelType: 'gpt2',
    basePrefix: GPT2_BASE_PREFIX,
    ignore: [/^h\.\d+\.attn\.(bias|masked_bias)$/],
    configSchema: gpt2ConfigFileSchema,
    build: (config) => new Gpt2Model(config),
  });
}

/** Writes `model` as HF's `GPT2Model.save_pretrained` does: unprefixed keys, Conv1D `[in, out]`. */
export async function saveGpt2Checkpoint(dir: string, model: AnyModule, config: Gpt2Config): Promise<void> {
  if (!(model instanceof Gpt2Model))
    throw new Error(`saveGpt2Checkpoint: expected a Gpt2Model, got ${model.typeName}`);
  await saveCheckpoint(dir, model, { ...config, architectures: ['GPT2Model'] });
}
