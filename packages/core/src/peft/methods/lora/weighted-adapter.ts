import * as tf from '@tensorflow/tfjs';
import type { WeightedAdapterRequest } from '../../method.js';
import { adapterLayers } from '../../tuner.js';
import type { LoraConfig } from './config.js';
import { LoraLayer } from './layer-common.js';
import {
  leadingColumns,
  type Matrix,
  matrixFromTensor,
  matrixToTensor,
  scaleColumns,
  svdOfProduct,
  transpose,
} from './svd.js';

/** Combination types peftkit implements (HF also has `ties`, `dare_*`, `magnitude_prune*`). */
export const LORA_COMBINATION_TYPES = ['linear', 'cat', 'svd'] as const;
export type LoraCombinationType = (typeof LORA_COMBINATION_TYPES)[number];

interface LayerPlan {
  path: string;
  layer: LoraLayer;
  /** Indices into the request's sources of the adapters this layer holds. */
  present: number[];
  rank: number;
}

/**
 * HF's `add_weighted_adapter` for LoRA. With `c_i = weight_i * scaling_i` per layer:
 * - `linear`: `A = sum sqrt(c_i) A_i`, `B = sum sqrt(c_i) B_i` (ranks must match; equal to
 *   `sum c_i B_i A_i` only for a single adapter, the cross terms are HF's behaviour);
 * - `cat`: `A = [c_1 A_1; c_2 A_2; ...]`, `B = [B_1 B_2 ...]`, rank = sum of ranks, so
 *   `BA = sum c_i B_i A_i` exactly;
 * - `svd`: the truncated SVD (rank `svdRank`, default the largest source `r`) of
 *   `sum weight_i * delta_i`, with `B = U_r S_r`, `A = V_r^T` as HF.
 *
 * The new adapter has `r = lora_alpha` (scaling 1) and targets the union of the sources' modules;
 * layers whose rank differs from `r` get exact-path `rank_pattern` / `alpha_pattern` entries, so
 * the saved config rebuilds the same shapes in HF PEFT. A single source is always combined
 * `linear`, as HF does.
 *
 * Deviations from HF, all to make the result equal what the formulas above say: `svd` weighs each
 * delta once by `weight_i` (HF multiplies the already scaled delta by `scaling_i` again, which is
 * only the same when `lora_alpha = r`); the new adapter never inherits `use_rslora` (HF fixed the
 * same over-scaling in PR #3449), `init_lora_weights` (a PiSSA source would otherwise rewrite the
 * base weights again) or source `rank_pattern`s; DoRA and `lora_bias` sources are refused (HF
 * ignores the magnitude and the bias); negative `weight * scaling` with `linear` is an error (HF:
 * math domain error).
 */
export function addWeightedLoraAdapter(req: WeightedAdapterRequest<LoraConfig>): void {
  const { sources, weights, options } = req;
  const type = (sources.length === 1 ? 'linear' : req.combinationType) as LoraCombinationType;
  if (!LORA_COMBINATION_TYPES.includes(type)) {
    throw new Error(
      `addWeightedAdapter: combinationType must be one of ${LORA_COMBINATION_TYPES.join(', ')}, got '${req.combinationType}'`,
    );
  }
  for (const { name, config } of sources) {
    if (config.useDora)
      throw new Error(`addWeightedAdapter: adapter '${name}' uses DoRA, which cannot be combined`);
    if (config.loraBias)
      throw new Error(`addWeightedAdapter: adapter '${name}' has loraBias, which cannot be combined`);
  }
  const svdRank = options['svdRank'];
  if (svdRank !== undefined && !(Number.isInteger(svdRank) && (svdRank as number) > 0)) {
    throw new Error(`addWeightedAdapter: svdRank must be a positive integer, got ${String(svdRank)}`);
  }
  const configRanks = sources.map((s) => s.config.r);
  const newR =
    type === 'linear'
      ? (configRanks[0] as number)
      : type === 'cat'
        ? configRanks.reduce((a, b) => a + b, 0)
        : ((svdRank as number | undefined) ?? Math.max(...configRanks));

  const plans: LayerPlan[] = [];
  for (const [path, layer] of adapterLayers(req.model)) {
    if (!(layer instanceof LoraLayer)) continue;
    const present = sources.flatMap((s, i) => (layer.hasAdapter(s.name) ? [i] : []));
    if (present.length === 0) continue;
    const ranks = present.map((i) => layer.rank((sources[i] as (typeof sources)[number]).name));
    let rank = newR;
    if (type === 'linear') {
      if (new Set(ranks).size > 1) {
        throw new Error(
          `addWeightedAdapter: 'linear' needs equal ranks, but '${path}' has ranks ${ranks.join(', ')}; use 'cat' or 'svd'`,
        );
      }
      rank = ranks[0] as number;
      for (const i of present) {
        const c = (weights[i] as number) * layer.scaling((sources[i] as (typeof sources)[number]).name);
        if (c < 0) {
          throw new Error(
            `addWeightedAdapter: 'linear' takes sqrt(weight * scaling), which is negative for adapter '${sources[i]?.name}' (weight ${weights[i]}); use 'cat' or 'svd'`,
          );
        }
      }
    } else if (type === 'cat') {
      rank = ranks.reduce((a, b) => a + b, 0);
    }
    // Factors must exist (grouped convs refuse), checked before anything is added.
    tf.dispose(
      Object.values(layer.loraFactors((sources[present[0] as number] as (typeof sources)[number]).name)),
    );
    plans.push({ path, layer, present, rank });
  }
  if (plans.length === 0) throw new Error('addWeightedAdapter: the source adapters adapt no LoRA layer');

  const rankPattern: Record<string, number> = {};
  for (const p of plans) if (p.rank !== newR) rankPattern[p.path] = p.rank;
  const first = sources[0] as (typeof sources)[number];
  const modulesToSave = [...new Set(sources.flatMap((s) => s.config.modulesToSave ?? []))];
  req.addAdapter({
    ...first.config,
    r: newR,
    loraAlpha: newR,
    rankPattern,
    alphaPattern: { ...rankPattern },
    useRslora: false,
    useDora: false,
    loraBias: false,
    initLoraWeights: true,
    targetModules: plans.map((p) => p.path),
    targetRoles: undefined,
    excludeModules: undefined,
    layersToTransform: undefined,
    layersPattern: undefined,
    modulesToSave: modulesToSave.length ? modulesToSave : undefined,
  });

  for (const plan of plans) {
    const { layer, present, rank } = plan;
    const parts = present.map((i) => {
      const name = (sources[i] as (typeof sources)[number]).name;
      return { factors: layer.loraFactors(name), c: (weights[i] as number) * layer.scaling(name) };
    });
    try {
      const [a, b] = combine(type, parts, rank);
      try {
        layer.assignLoraFactors(req.adapterName, a, b);
      } finally {
        tf.dispose([a, b]);
      }
    } finally {
      for (const p of parts) tf.dispose([p.factors.a, p.factors.b]);
    }
  }
}

function combine(
  type: LoraCombinationType,
  parts: { factors: { a: tf.Tensor2D; b: tf.Tensor2D }; c: number }[],
  rank: number,
): [tf.Tensor2D, tf.Tensor2D] {
  if (type === 'linear') {
    return tf.tidy(() => {
      const a = tf.addN(parts.map((p) => tf.mul(p.factors.a, Math.sqrt(p.c)))) as tf.Tensor2D;
      const b = tf.addN(parts.map((p) => tf.mul(p.factors.b, Math.sqrt(p.c)))) as tf.Tensor2D;
      return [a, b];
    });
  }
  if (type === 'cat') {
    return tf.tidy(() => [
      tf.concat(
        parts.map((p) => tf.mul(p.factors.a, p.c)),
        1,
      ) as tf.Tensor2D,
      tf.concat(
        parts.map((p) => p.factors.b),
        0,
      ) as tf.Tensor2D,
    ]);
  }
  // svd: sum_i c_i a_i b_i = [c_1 a_1 | c_2 a_2 ...] @ [b_1; b_2; ...], decomposed exactly
  // through its thin factors (never forming the P x Q delta).
  const aCat: Matrix = hconcat(parts.map((p) => scaleAll(matrixFromTensor(p.factors.a), p.c)));
  const bCat: Matrix = transpose(hconcat(parts.map((p) => transpose(matrixFromTensor(p.factors.b)))));
  const svd = svdOfProduct(aCat, bCat);
  const aNew = leadingColumns(svd.u, rank); // [P, rank]
  const sPad = Float64Array.from({ length: rank }, (_, i) => svd.s[i] ?? 0);
  const bNew = transpose(scaleColumns(leadingColumns(svd.v, rank), sPad)); // [rank, Q]
  return [matrixToTensor(aNew), matrixToTensor(bNew)];
}

function scaleAll(m: Matrix, c: number): Matrix {
  return { rows: m.rows, cols: m.cols, data: m.data.map((x) => x * c) };
}

function hconcat(ms: readonly Matrix[]): Matrix {
  const rows = (ms[0] as Matrix).rows;
  const cols = ms.reduce((n, m) => n + m.cols, 0);
  const data = new Float64Array(rows * cols);
  let off = 0;
  for (const m of ms) {
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < m.cols; j++) data[i * cols + off + j] = m.data[i * m.cols + j] as number;
    off += m.cols;
  }
  return { rows, cols, data };
}
