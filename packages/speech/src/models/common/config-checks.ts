import type { z } from 'zod';

/**
 * A zod refinement: the width field must split evenly into the heads field (`d_model` /
 * `encoder_attention_heads`, `hidden_size` / `num_attention_heads`), reported on the heads field.
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
