/**
 * The ViT the RGB presets build when no `--base` is given: 4 layers of width 128 on 32-pixel
 * patches (49 tokens at 224), about 0.9 M parameters, so a from-scratch run trains on a laptop
 * CPU instead of building a random 86 M-parameter ViT-B. A `--base` checkpoint brings its own
 * config and this one is not used.
 */
export const SMALL_VIT = {
  hidden_size: 128,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  intermediate_size: 256,
  patch_size: 32,
} as const;
