import * as tf from '@tensorflow/tfjs';
import type { Parameter } from '../../../nn/index.js';
import { type BudgetSchedule, budgetAt } from './budget.js';
import { rankPatternKey } from './config.js';
import type { SvdLinear } from './layer.js';

/** Smoothed importance of one parameter, element-wise (HF's `exp_avg_ipt` / `exp_avg_unc`). */
interface Importance {
  ema: tf.Tensor;
  unc: tf.Tensor;
}

/** What the allocator needs from the config, with `totalStep` resolved. */
export interface AllocatorSettings extends BudgetSchedule {
  targetR: number;
  beta1: number;
  beta2: number;
}

/**
 * AdaLoRA's rank allocation for one adapter (HF's `RankAllocator` plus
 * `AdaLoraModel.update_and_allocate`). After each optimizer step it smooths the importance
 * `|p * grad|` of every entry of A, E and B (EMA with `beta1`) and its uncertainty (EMA with
 * `beta2` of `|importance - smoothed|`); each singular triplet `i` scores `s(E_i) + mean_j s(A_ij)
 * + mean_j s(B_ji)` with `s = smoothed * uncertainty`; on allocation steps the triplets scoring at
 * or below the `(total - budget)`-th smallest score get `E_i = 0`. At `totalStep - tfinal` the
 * last allocation fixes the rank pattern, which later steps re-apply.
 *
 * The smoothed state lives in tensors kept between steps (`dispose()` frees them); every
 * per-step intermediate is freed, so the tensor count stays flat across steps.
 */
export class RankAllocator {
  private readonly state = new Map<Parameter, Importance>();
  /** HF's `init_bgt`: the triplets of every module at the start. */
  readonly initBudget: number;
  /** HF's `target_bgt`: `targetR` times the number of modules. */
  readonly targetBudget: number;
  private pattern: Record<string, boolean[]> | undefined;

  constructor(
    readonly settings: Readonly<AllocatorSettings>,
    private readonly layers: readonly (readonly [string, SvdLinear])[],
    private readonly adapterName: string,
    rankPattern?: Readonly<Record<string, readonly boolean[]>>,
  ) {
    this.initBudget = layers.reduce((n, [, l]) => n + l.rank(adapterName), 0);
    this.targetBudget = settings.targetR * layers.length;
    this.pattern = rankPattern ? (structuredClone(rankPattern) as Record<string, boolean[]>) : undefined;
  }

  /** Kept triplets per module (`<path>.lora_E` -> mask), once an allocation has happened. */
  get rankPattern(): Readonly<Record<string, readonly boolean[]>> | undefined {
    return this.pattern;
  }

  /**
   * HF's `update_and_allocate(global_step)`, called after the optimizer step with that step's
   * gradients; `globalStep` counts from 0 as in HF's training loop (the steps done before this one).
   */
  updateAndAllocate(globalStep: number, gradient: (p: Parameter) => tf.Tensor | undefined): void {
    const end = this.settings.totalStep - this.settings.tfinal;
    if (globalStep < end) {
      this.updateImportance(gradient);
      const { budget, mask } = budgetAt(this.settings, this.initBudget, this.targetBudget, globalStep);
      if (mask) this.pattern = this.maskToBudget(budget);
    } else if (globalStep === end) {
      // The final allocation at the target budget; the importance is not needed any more.
      this.pattern = this.maskToBudget(this.targetBudget);
      this.resetImportance();
    } else if (this.pattern) {
      this.applyPattern(this.pattern);
    }
  }

  private parameters(): Parameter[] {
    return this.layers.flatMap(([, l]) => {
      const { a, b, e } = l.factors(this.adapterName);
      return [a, b, e];
    });
  }

  private updateImportance(gradient: (p: Parameter) => tf.Tensor | undefined): void {
    const { beta1, beta2 } = this.settings;
    for (const p of this.parameters()) {
      const prev = this.state.get(p);
      const next = tf.tidy(() => {
        const g = gradient(p);
        const ipt = g ? tf.abs(tf.mul(p.value, g)) : tf.zerosLike(p.value);
        const ema0 = prev?.ema ?? tf.zerosLike(p.value);
        const unc0 = prev?.unc ?? tf.zerosLike(p.value);
        const ema = tf.add(tf.mul(ema0, beta1), tf.mul(ipt, 1 - beta1));
        const unc = tf.add(tf.mul(unc0, beta2), tf.mul(tf.abs(tf.sub(ipt, ema)), 1 - beta2));
        return { ema, unc };
      });
      this.state.set(p, next);
      if (prev) tf.dispose([prev.ema, prev.unc]);
    }
  }

  /** HF's `_element_score`: smoothed importance times uncertainty (zeros before any update). */
  private elementScore(p: Parameter): tf.Tensor {
    const s = this.state.get(p);
    return s ? tf.mul(s.ema, s.unc) : tf.zerosLike(p.value);
  }

  /** Score per singular triplet of each layer, `[r]` on the host. */
  private tripletScores(): Float32Array[] {
    return this.layers.map(([, l]) => {
      if (l.rank(this.adapterName) === 0) return new Float32Array(0);
      const { a, b, e } = l.factors(this.adapterName);
      const t = tf.tidy(() => {
        // Memory A [in, r] and B [r, out]: HF's means over A's columns and B's rows.
        const sa = tf.mean(this.elementScore(a), 0);
        const sb = tf.mean(this.elementScore(b), 1);
        return tf.add(tf.reshape(this.elementScore(e), [-1]), tf.add(sa, sb));
      });
      const out = t.dataSync() as Float32Array;
      t.dispose();
      return out;
    });
  }

  /** HF's `mask_to_budget`: zeroes E of every triplet at or below the threshold; returns the kept masks. */
  private maskToBudget(budget: number): Record<string, boolean[]> {
    const scores = this.tripletScores();
    const k = this.initBudget - budget;
    let threshold = Number.NEGATIVE_INFINITY;
    if (k > 0) {
      // torch.kthvalue: the k-th smallest of every triplet's score.
      const all = Float32Array.from(scores.flatMap((s) => Array.from(s))).sort();
      threshold = all[Math.min(k, all.length) - 1] as number;
    }
    const pattern: Record<string, boolean[]> = {};
    this.layers.forEach(([path, _], i) => {
      pattern[rankPatternKey(path)] = Array.from(scores[i] as Float32Array, (s) => !(s <= threshold));
    });
    this.applyPattern(pattern);
    return pattern;
  }

  /** HF's `mask_using_rank_pattern`: zeroes E where the pattern says the triplet was dropped. */
  private applyPattern(pattern: Readonly<Record<string, readonly boolean[]>>): void {
    for (const [path, layer] of this.layers) {
      const keep = pattern[rankPatternKey(path)];
      if (!keep || keep.length !== layer.rank(this.adapterName)) continue;
      const { e } = layer.factors(this.adapterName);
      const next = tf.tidy(() => tf.mul(e.value, tf.tensor2d(keep.map(Number), [keep.length, 1])));
      e.assign(next);
      next.dispose();
    }
  }

  private resetImportance(): void {
    for (const s of this.state.values()) tf.dispose([s.ema, s.unc]);
    this.state.clear();
  }

  /** Frees the smoothed importance tensors. */
  dispose(): void {
    this.resetImportance();
  }
}
