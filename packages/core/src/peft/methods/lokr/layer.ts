import * as tf from '@tensorflow/tfjs';
import { type AnyModule, Conv2d } from '../../../nn/index.js';
import type { AdapterRouting } from '../../adapter-layer.js';
import { cpRebuild, LycorisLayer } from '../loha/lycoris-layer.js';
import type { LokrLayerSettings } from './config.js';
import { factorization } from './factorization.js';
import { kron } from './kron.js';

const LOKR_CONTAINERS = [
  'lokr_w1',
  'lokr_w1_a',
  'lokr_w1_b',
  'lokr_w2',
  'lokr_w2_a',
  'lokr_w2_b',
  'lokr_t2',
] as const;

/** Which factors an adapter uses, decided as HF does from `r` and the factorisation. */
export interface LokrPlan {
  /** `[[outL, outK], [inM, inN]]`: `out = outL·outK`, `in = inM·inN` (in = in/groups for convs). */
  shape: [[number, number], [number, number]];
  /** Full `lokr_w1 [outL, inM]`, else `lokr_w1_a [outL, r] @ lokr_w1_b [r, inM]`. */
  useW1: boolean;
  /** Full `lokr_w2`, else a rank-r product (or a CP rebuild with `lokr_t2`). */
  useW2: boolean;
  /** Conv only: `lokr_t2 [r, r, kh, kw]` core with `lokr_w2_a [r, outK]`, `lokr_w2_b [r, inN]`. */
  effective: boolean;
}

/**
 * HF's shape rule for one layer: factor both dimensions with `decompose_factor`, keep `w1` full
 * unless `decomposeBoth` and `r < max(outL, inM) / 2`, keep `w2` full unless
 * `r < max(outK, inN) / 2`.
 */
export function lokrPlan(
  inDim: number,
  outDim: number,
  kernel: [number, number] | undefined,
  s: Pick<LokrLayerSettings, 'r' | 'decomposeBoth' | 'decomposeFactor' | 'useEffectiveConv2d'>,
): LokrPlan {
  const [inM, inN] = factorization(inDim, s.decomposeFactor);
  const [outL, outK] = factorization(outDim, s.decomposeFactor);
  const useW1 = !(s.decomposeBoth && s.r < Math.max(outL, inM) / 2);
  const useW2 = !(s.r < Math.max(outK, inN) / 2);
  const effective = kernel !== undefined && s.useEffectiveConv2d && !(kernel[0] === 1 && kernel[1] === 1);
  return {
    shape: [
      [outL, outK],
      [inM, inN],
    ],
    useW1,
    useW2,
    effective,
  };
}

/**
 * LoKr (low-rank Kronecker product) on a Linear or Conv2d: `ΔW = (w1 ⊗ w2) · alpha / r` in
 * PyTorch layout, each factor full or a rank-r product as HF decides (`lokrPlan`). Factor names
 * and shapes follow HF (`lokr_w1 [outL, inM]`, `lokr_w2_a [outK, r]`, ...), so files match HF.
 * HF's default init zeroes `lokr_w1` (or `lokr_w1_a`): ΔW starts at exactly 0.
 */
export class LokrLayer extends LycorisLayer {
  readonly adapterContainers = LOKR_CONTAINERS;
  private readonly plans = new Map<string, LokrPlan>();

  constructor(base: AnyModule, routing: AdapterRouting) {
    super(base, routing, 'LoKr', LOKR_CONTAINERS);
  }

  /** The factor plan of adapter `name`. */
  planOf(name: string): LokrPlan {
    const p = this.plans.get(name);
    if (!p) throw new Error(`LoKr: no adapter '${name}' on this layer`);
    return p;
  }

  addAdapter(name: string, config: Readonly<Record<string, unknown>>): void {
    const s = config as unknown as LokrLayerSettings;
    if (!Number.isInteger(s.r) || s.r <= 0) throw new Error(`LoKr: r must be a positive integer, got ${s.r}`);
    const shape = this.torchWeightShape;
    const isConv = this.layer instanceof Conv2d;
    // For convs the file shape is [out, in/groups, kh, kw]; HF factors in/groups.
    const kernel = isConv ? (shape.slice(2) as [number, number]) : undefined;
    const plan = lokrPlan(shape[1] as number, shape[0] as number, kernel, s);
    const [[outL, outK], [inM, inN]] = plan.shape;
    const r = s.r;
    // Which factor starts at zero so that ΔW = 0: HF zeroes the left one, LyCORIS the right one.
    const zeroLeft = s.initWeights === true;
    const zeroRight = s.initWeights === 'lycoris';
    const left = zeroLeft ? 'zeros' : 'kaiming';
    const right = zeroRight ? 'zeros' : 'kaiming';
    if (plan.useW1) this.createFactor('lokr_w1', name, [outL, inM], left);
    else {
      this.createFactor('lokr_w1_a', name, [outL, r], left);
      this.createFactor('lokr_w1_b', name, [r, inM], 'kaiming');
    }
    const k = kernel ?? [];
    if (plan.useW2) this.createFactor('lokr_w2', name, [outK, inN, ...k], right);
    else if (plan.effective) {
      this.createFactor('lokr_t2', name, [r, r, ...k], 'kaiming');
      this.createFactor('lokr_w2_a', name, [r, outK], 'kaiming');
      this.createFactor('lokr_w2_b', name, [r, inN], right);
    } else {
      this.createFactor('lokr_w2_a', name, [outK, r], 'kaiming');
      this.createFactor('lokr_w2_b', name, [r, inN * k.reduce((a, d) => a * d, 1)], right);
    }
    this.plans.set(name, plan);
    this.setState(name, {
      r,
      alpha: s.alpha,
      rankDropout: s.rankDropout,
      moduleDropout: s.moduleDropout,
      rankDropoutScale: s.rankDropoutScale,
    });
  }

  protected override onDeleteAdapter(name: string): void {
    super.onDeleteAdapter(name);
    this.plans.delete(name);
  }

  protected torchDelta(name: string): tf.Tensor {
    const f = (c: (typeof LOKR_CONTAINERS)[number]) => this.factor(c, name) as tf.Tensor;
    const w1 = this.factor('lokr_w1', name) ?? tf.matMul(f('lokr_w1_a'), f('lokr_w1_b'));
    const t2 = this.factor('lokr_t2', name);
    const w2 =
      this.factor('lokr_w2', name) ??
      (t2 ? cpRebuild(t2, f('lokr_w2_a'), f('lokr_w2_b')) : tf.matMul(f('lokr_w2_a'), f('lokr_w2_b')));
    // A 2-D w2 with flattened kernel columns gives the same element order as the 4-D product.
    return tf.mul(kron(w1, w2), this.stateOf(name).scaling);
  }
}
