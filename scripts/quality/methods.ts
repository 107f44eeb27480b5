/** One way to adapt the base: `--set` assignments over the preset, or `peftkit suggest`. */
export interface SuiteMethod {
  readonly id: string;
  readonly set: readonly string[];
  /** Build the peft block with `peftkit suggest` at this share of the base's parameters. */
  readonly suggestPercent?: number;
  /** Build it with `peftkit suggest --budget run`: as many adapter parameters as the preset's default. */
  readonly suggestRunBudget?: boolean;
  /** `peftkit suggest --probe-steps n` (unset: suggest's default, a 30-step probe; 0: the first step only). */
  readonly suggestProbeSteps?: number;
  /** The preset's epochs times this (a smaller adapter may need longer to converge). */
  readonly epochsScale?: number;
}

/** A `--set` of LoRA's target roles. */
const targets = (...roles: string[]) => `peft.targetRoles=[${roles.join(', ')}]`;
/** Every linear role of a transformer block. */
const ALL_LINEAR = ['attn.q', 'attn.k', 'attn.v', 'attn.o', 'ffn.up', 'ffn.down'];
const NORMS = 'bn1, bn2, bn3, downsample.1, LayerNorm, layer_norm, self_attn_layer_norm, final_layer_norm';
const ADALORA = '{peftType: ADALORA, initR: 12, targetR: 8, loraAlpha: 16, tinit: 15, tfinal: 30, deltaT: 5}';

/** The methods, in table order: the preset's default (LoRA) first, then the alternatives. */
export const METHODS: readonly SuiteMethod[] = [
  { id: 'lora', set: [] },
  { id: 'ia3', set: ['peft={peftType: IA3}'] },
  { id: 'bottleneck', set: ['peft={peftType: BOTTLENECK}'] },
  { id: 'full', set: ['peft=full'] },
  { id: 'suggest-1%', set: [], suggestPercent: 1 },
  // About the budget of the presets' own LoRA on the text suite (4.2%, with the word embedding).
  { id: 'suggest-5%', set: [], suggestPercent: 5 },
  { id: 'suggest-5%-firststep', set: [], suggestPercent: 5, suggestProbeSteps: 0 },
  // The same with the learning rate the nlp demo found best for adapters (1e-2, see its methods.ts).
  { id: 'lora-lr1e-2', set: ['training.lr=0.01'] },
  { id: 'suggest-1%-lr1e-2', set: ['training.lr=0.01'], suggestPercent: 1 },
  // suggest's proposal with the learning rate the LR finder picks for it (`training.lr: auto`).
  { id: 'suggest-1%-lrauto', set: ['training.lr=auto'], suggestPercent: 1 },
  // LoRA on every linear role of the blocks (QLoRA's finding: adapting all linear layers is what
  // closes the gap to full fine-tuning), at the preset's LoRA learning rate.
  { id: 'lora-all', set: [targets(...ALL_LINEAR)] },
  // AdaLoRA (HF defaults init_r 12 -> target_r 8) on the preset's LoRA targets with its alpha;
  // 10% warm-up, the last 20% at fixed ranks, a re-allocation every 5 steps; total_step is the
  // run's total steps.
  { id: 'adalora', set: [`peft=${ADALORA}`] },
  { id: 'adalora-lr1e-2', set: [`peft=${ADALORA}`, 'training.lr=0.01'] },
  // The candidates of docs/quality.md "How these defaults were chosen" (targets, rates, schedule).
  { id: 'lora-embed', set: [targets('attn.q', 'attn.v', 'embed')] },
  { id: 'lora-all-lr1e-3', set: [targets(...ALL_LINEAR), 'training.lr=0.001'] },
  { id: 'lora-all-lr3e-3', set: [targets(...ALL_LINEAR), 'training.lr=0.003'] },
  { id: 'lora-ep15', set: ['training.epochs=15', 'training.earlyStopping.patience=4'] },
  { id: 'lora-r16-lr3e-2', set: ['peft.r=16', 'peft.loraAlpha=32', 'training.lr=0.03'] },
  { id: 'lora-embed-lr3e-3', set: [targets('attn.q', 'attn.v', 'embed'), 'training.lr=0.003'] },
  { id: 'lora-embed-all-lr3e-3', set: [targets(...ALL_LINEAR, 'embed'), 'training.lr=0.003'] },
  { id: 'lora-conv', set: [targets('attn.q', 'attn.v', 'conv')] },
  {
    id: 'lora-conv-ffn',
    set: [targets('attn.q', 'attn.v', 'ffn.up', 'ffn.down', 'conv'), 'training.lr=0.003'],
  },
  { id: 'lora-lr3e-3', set: ['training.lr=0.003'] },
  { id: 'full-lr3e-4', set: ['peft=full', 'training.lr=0.0003'] },
  { id: 'full-lr3e-3', set: ['peft=full', 'training.lr=0.003'] },
  { id: 'ia3-lr1e-2', set: ['peft={peftType: IA3}', 'training.lr=0.01'] },
  // Issue-19 suggest study: what the word embedding alone buys inside a 1% budget (8,256 params).
  // The preset's own targets at suggest's budget: rank 1 (0.55% on the text base) and 2 (1.09%).
  { id: 'lora-r1', set: ['peft.r=1', 'peft.loraAlpha=2'] },
  { id: 'lora-r2', set: ['peft.r=2', 'peft.loraAlpha=4'] },
  { id: 'lora-embedonly-r2', set: [targets('embed'), 'peft.r=2', 'peft.loraAlpha=4'] },
  { id: 'bottleneck-lr1e-2', set: ['peft={peftType: BOTTLENECK}', 'training.lr=0.01'] },
  // Issue-19 suggest study: the norms (every domain's names; unmatched ones only warn) trained
  // whole next to the LoRA adapters (HF `modules_to_save`).
  { id: 'suggest-1%-norms', set: [`peft.modulesToSave=[${NORMS}]`], suggestPercent: 1, suggestProbeSteps: 0 },
  { id: 'lora-norms', set: [`peft.modulesToSave=[${NORMS}]`] },
  // The proposal with a larger lora_alpha / r (the preset's is 2): small ranks learn slower.
  { id: 'suggest-1%-a4', set: ['peft.r=8', 'peft.loraAlpha=32'], suggestPercent: 1, suggestProbeSteps: 0 },
  { id: 'suggest-1%-a8', set: ['peft.r=8', 'peft.loraAlpha=64'], suggestPercent: 1, suggestProbeSteps: 0 },
  // suggest at the preset default's own size: where the same parameters are better spent.
  { id: 'suggest-run', set: [], suggestRunBudget: true },
  // suggest's scores from the first Adam step only (its default until 2026-12-07; rows before then
  // under `suggest-1%`, `suggest-5%`, `suggest-1%-lr1e-2`, `suggest-1%-lrauto` ran this way).
  { id: 'suggest-1%-firststep', set: [], suggestPercent: 1, suggestProbeSteps: 0 },
  { id: 'suggest-run-firststep', set: [], suggestRunBudget: true, suggestProbeSteps: 0 },
  // Fourth pass: recipes known to help low-rank LoRA, on suggest's 1% proposal (DoRA's magnitude
  // vectors, LoRA+'s faster B, twice the preset's epochs), and the default at twice the epochs.
  { id: 'suggest-1%-dora', set: ['peft.useDora=true'], suggestPercent: 1 },
  { id: 'suggest-1%-loraplus16', set: ['training.loraplusLrRatio=16'], suggestPercent: 1 },
  { id: 'suggest-1%-loraplus4', set: ['training.loraplusLrRatio=4'], suggestPercent: 1 },
  { id: 'suggest-1%-2x', set: [], suggestPercent: 1, epochsScale: 2 },
  { id: 'lora-2x', set: [], epochsScale: 2 },
];
