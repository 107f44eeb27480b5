import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadSafetensors, readJsonObject, saveSafetensors, writeJsonAtomic } from '../../../io/index.js';
import { ADAPTER_FILES, adapterDir } from '../../adapter-file.js';
import type { PeftModel } from '../../peft-model.js';
import { type LoraConfig, pissaIterations } from './config.js';

/**
 * Saves a PiSSA-trained LoRA adapter as a plain LoRA adapter for the *original* base weights,
 * as HF's `save_pretrained(..., path_initial_model_for_weight_conversion=initialDir)`.
 *
 * A PiSSA adapter only fits the residual base `W_res = W - s B0 A0` it was initialised with.
 * Since `W_res + s B A = W + s (B A - B0 A0)`, the rank-2r adapter `A' = [A; A0]`,
 * `B' = [B, -B0]` (with `lora_alpha` doubled so the scaling is unchanged; times sqrt(2) with
 * rsLoRA) applied to `W` gives the same model, and mixes with other adapters like any LoRA.
 *
 * `initialDir` is the adapter saved with `savePretrained` right after `getPeftModel`, before
 * training (its weights are `A0`, `B0`). The result is written where `savePretrained` would write
 * adapter `adapterName` under `outDir`. Unlike HF, parameters other than `lora_A` / `lora_B`
 * (e.g. `modulesToSave` copies, trained biases) are kept.
 */
export async function convertPissaToLora(
  peft: PeftModel,
  outDir: string,
  options: { initialDir: string; adapterName?: string },
): Promise<void> {
  const name = options.adapterName ?? 'default';
  const config = peft.peftConfig.get(name) as LoraConfig | undefined;
  const where = `convertPissaToLora('${name}')`;
  if (!config)
    throw new Error(`${where}: unknown adapter; this model has: ${peft.adapterNames().join(', ')}`);
  if (config.peftType !== 'LORA') throw new Error(`${where}: adapter is ${config.peftType}, not LORA`);
  if (pissaIterations(config.initLoraWeights) === undefined) {
    throw new Error(
      `${where}: adapter was not initialised with PiSSA (initLoraWeights=${String(config.initLoraWeights)})`,
    );
  }
  if (config.useDora)
    throw new Error(`${where}: DoRA adapters cannot be converted (the magnitude is not additive)`);
  const hasPatterns =
    Object.keys(config.rankPattern).length > 0 || Object.keys(config.alphaPattern).length > 0;
  if (config.useRslora && hasPatterns) {
    throw new Error(
      `${where}: rankPattern / alphaPattern together with useRslora cannot be converted (as in HF PEFT)`,
    );
  }

  await peft.savePretrained(outDir, { selectedAdapters: [name] });
  const dir = adapterDir(outDir, name);
  const weightsFile = path.join(dir, ADAPTER_FILES.weights);
  const trained = await loadSafetensors(weightsFile);
  const initial = await loadSafetensors(path.join(options.initialDir, ADAPTER_FILES.weights));
  const out = new Map<string, tf.Tensor>();
  try {
    for (const [key, t] of trained.tensors) {
      const isA = key.endsWith('.lora_A.weight');
      const isB = key.endsWith('.lora_B.weight');
      if (!isA && !isB) {
        out.set(key, t.clone());
        continue;
      }
      const t0 = initial.tensors.get(key);
      if (!t0)
        throw new Error(
          `${where}: ${options.initialDir} has no '${key}'; was it saved from this adapter before training?`,
        );
      // PyTorch layout: A is [r, in, ...] (stack ranks on axis 0), B is [out, r, ...] (axis 1).
      out.set(
        key,
        tf.tidy(() => (isA ? tf.concat([t, t0], 0) : tf.concat([t, tf.neg(t0)], 1))),
      );
    }
    await saveSafetensors(weightsFile, out, { format: 'pt' });
  } finally {
    tf.dispose([...out.values(), ...trained.tensors.values(), ...initial.tensors.values()]);
  }

  const configFile = path.join(dir, ADAPTER_FILES.config);
  const file = await readJsonObject(configFile, 'adapter config');
  const double = (v: unknown) =>
    Object.fromEntries(
      Object.entries((v as Record<string, number> | null) ?? {}).map(([k, x]) => [k, 2 * x]),
    );
  await writeJsonAtomic(configFile, {
    ...file,
    r: 2 * config.r,
    lora_alpha: config.useRslora ? config.loraAlpha * Math.SQRT2 : 2 * config.loraAlpha,
    rank_pattern: double(file['rank_pattern']),
    alpha_pattern: double(file['alpha_pattern']),
    init_lora_weights: true,
  });
}
