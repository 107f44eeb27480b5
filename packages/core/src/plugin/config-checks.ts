import type { z } from 'zod';

/**
 * A zod refinement for architecture configs: the width field must split evenly into the heads
 * field (`hidden_size` / `num_attention_heads`, `d_model` / `encoder_attention_heads`, `dim` /
 * `n_heads`, ...), reported on the heads field.
 *
 * @example
 * const config = z.strictObject({ d_model: z.number(), heads: z.number() }).superRefine(headsDivideWidth('d_model', 'heads'));
 */
export function headsDivideWidth<K extends string, H extends string>(
  widthKey: K,
  headsKey: H,
): (c: Record<K | H, number>, ctx: z.RefinementCtx) => void {
  return (c, ctx) => {
    if (c[widthKey] % c[headsKey] !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: [headsKey],
        message: `${widthKey} (${c[widthKey]}) must be divisible by ${headsKey} (${c[headsKey]})`,
      });
    }
  };
}
