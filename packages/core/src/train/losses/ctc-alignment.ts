import {
  addCtcGradient,
  type CtcExample,
  type CtcForward,
  ctcForward,
  extendedLabels,
  skipFlags,
} from './ctc-recursion.js';
import {
  addScaledGradient,
  type ScaledExample,
  type ScaledForward,
  scaledForward,
} from './ctc-scaled-recursion.js';

/**
 * One example's CTC log-likelihood and logit gradient: the rescaled probability-domain recursion
 * (fast), or the log-space one where that underflows or no alignment exists.
 */
export class CtcAlignment {
  readonly logLikelihood: number;
  private readonly scaledExample: ScaledExample;
  private scaled: ScaledForward | undefined;
  private logForward: CtcForward | undefined;

  /** @param example log-softmax of the logits `[frames, classes]` and the labels. */
  constructor(private readonly example: CtcExample) {
    const extended = extendedLabels(example.labels, example.blank);
    this.scaledExample = {
      probs: example.logProbs.map(Math.exp),
      classes: example.classes,
      frames: example.frames,
      extended,
      skip: skipFlags(extended, example.blank),
    };
    this.scaled = scaledForward(this.scaledExample);
    this.logLikelihood = this.scaled ? this.scaled.logLikelihood : this.logSpace().logLikelihood;
  }

  /** Adds `scale * d(-log p)/d logits` over the valid frames into `grad` (`[T, C]` row-major). */
  addGradient(grad: Float32Array, scale: number): void {
    if (this.scaled && addScaledGradient(this.scaledExample, this.scaled, grad, scale)) return;
    addCtcGradient(this.example, this.logSpace(), grad, scale);
  }

  private logSpace(): CtcForward {
    this.logForward ??= ctcForward(this.example);
    return this.logForward;
  }
}
