/** One way to adapt the base: `--set` assignments over the preset, or `peftkit suggest`. */
export interface SuiteMethod {
  readonly id: string;
  readonly set: readonly string[];
  /** Build the peft block with `peftkit suggest` at this share of the base's parameters. */
  readonly suggestPercent?: number;
}

const ADALORA = '{peftType: ADALORA, initR: 12, targetR: 8, loraAlpha: 16, tinit: 15, tfinal: 30, deltaT: 5}';

/** The methods, in table order: the preset's default (LoRA) first, then the alternatives. */
export const METHODS: readonly SuiteMethod[] = [
  { id: 'lora', set: [] },
  { id: 'ia3', set: ['peft={peftType: IA3}'] },
  { id: 'bottleneck', set: ['peft={peftType: BOTTLENECK}'] },
  { id: 'full', set: ['peft=full'] },
  { id: 'suggest-1%', set: [], suggestPercent: 1 },
  // The same with the learning rate the nlp demo found best for adapters (1e-2, see its methods.ts).
  { id: 'lora-lr1e-2', set: ['training.lr=0.01'] },
  { id: 'suggest-1%-lr1e-2', set: ['training.lr=0.01'], suggestPercent: 1 },
  // LoRA on every linear role of the blocks (QLoRA's finding: adapting all linear layers is what
  // closes the gap to full fine-tuning), at the preset's LoRA learning rate.
  { id: 'lora-all', set: ['peft.targetRoles=[attn.q, attn.k, attn.v, attn.o, ffn.up, ffn.down]'] },
  // AdaLoRA (HF defaults init_r 12 -> target_r 8) on the preset's LoRA targets with its alpha;
  // 10% warm-up, the last 20% at fixed ranks, a re-allocation every 5 steps; total_step is the
  // run's total steps.
  { id: 'adalora', set: [`peft=${ADALORA}`] },
  { id: 'adalora-lr1e-2', set: [`peft=${ADALORA}`, 'training.lr=0.01'] },
];
