import { Linear } from '@peftkit/core';

/**
 * GPT-2's `Conv1D` (HF `pytorch_utils.Conv1D`): a Linear whose weight is stored `[in, out]` in
 * PyTorch files too ("fan_in_fan_out"). In memory it is exactly a `Linear` (core keeps Linear
 * weights `[in, out]`), so LoRA, IA3, bottleneck adapters and merging treat it as one; only the
 * file layout differs: `identity` instead of `linear`, so no transpose at the file boundary.
 *
 * @example const cAttn = new Conv1D(768, 3 * 768); // file key c_attn.weight: [768, 2304]
 */
export class Conv1D extends Linear {
  constructor(inFeatures: number, outFeatures: number) {
    super(inFeatures, outFeatures, { weightLayout: 'identity' });
  }
}
