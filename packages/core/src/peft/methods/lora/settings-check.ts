import { type AnyModule, Conv1d, Conv2d, Embedding, Linear } from '../../../nn/index.js';
import { type LoraLayerSettings, pissaIterations } from './config.js';

/**
 * Rejects LoRA settings a base module cannot honour. Run by each layer before it creates an
 * adapter, and by the method for every target before any module is touched (PiSSA rewrites base
 * weights, so a late failure would leave the model half-changed).
 */
export function checkLoraSettings(base: AnyModule, s: LoraLayerSettings): void {
  if (!Number.isInteger(s.r) || s.r <= 0) throw new Error(`LoRA: r must be a positive integer, got ${s.r}`);
  if (!(s.loraAlpha > 0)) throw new Error(`LoRA: loraAlpha must be positive, got ${s.loraAlpha}`);
  const pissa = pissaIterations(s.initLoraWeights) !== undefined;
  const pissaError = () =>
    new Error(
      `LoRA: initLoraWeights '${String(s.initLoraWeights)}' (PiSSA) supports Linear layers only, not ${base.typeName}`,
    );
  if (base instanceof Linear) {
    const min = Math.min(base.inFeatures, base.outFeatures);
    if (pissa && s.r > min) throw new Error(`LoRA: PiSSA needs r <= min(in, out) = ${min}, got r=${s.r}`);
  } else if (base instanceof Embedding) {
    if (s.loraBias) throw new Error('LoRA: loraBias is not supported for Embedding layers (as in HF PEFT)');
    if (pissa) throw pissaError();
  } else if (base instanceof Conv1d || base instanceof Conv2d) {
    const { groups } = base;
    if (s.r % groups !== 0) {
      throw new Error(
        `LoRA: ${base.typeName} has groups=${groups}; r must be divisible by groups, got r=${s.r} (as in HF PEFT)`,
      );
    }
    if (s.useDora && groups > 1) {
      throw new Error(
        `LoRA: useDora is not supported for ${base.typeName} layers with groups > 1 (groups=${groups})`,
      );
    }
    if (pissa) throw pissaError();
  }
}
