import * as path from 'node:path';
import {
  type Architecture,
  definePlacement,
  defineRoles,
  loadCheckpointInto,
  type Placement,
  readJsonObject,
  saveCheckpoint,
  type z,
} from '@peftkit/core';
import { MlpPolicy, type MlpPolicyConfig, mlpPolicyConfig } from './mlp-policy.js';
import {
  TransformerPolicy,
  type TransformerPolicyConfig,
  transformerPolicyConfig,
} from './transformer-policy.js';

/** Reads `config.json` of `modelType` through `schema`; errors name the file and field. */
async function readConfig<C>(dir: string, modelType: string, schema: z.ZodType<C>): Promise<C> {
  const file = path.join(dir, 'config.json');
  const { model_type: type, ...rest } = await readJsonObject(file, `${modelType} config`);
  if (type !== modelType)
    throw new Error(`${file}: model_type is '${String(type)}', expected '${modelType}'`);
  const parsed = schema.safeParse(rest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return parsed.data;
}

/**
 * Roles of robot policies beyond core's vocabulary. `policy.trunk` is where LoRA-SP / TAIL put
 * adapters on policies: every hidden Linear between the observation and the action head.
 */
export const POLICY_ROLES = defineRoles({
  'policy.trunk':
    "the policy trunk's hidden Linear layers (each MLP trunk layer's linear; a transformer layer's feed-forward linear1 and linear2)",
});

export const mlpPolicyPlacement: Placement = definePlacement({
  architecture: 'mlp_policy',
  declaredRoles: POLICY_ROLES,
  layers: 'trunk',
  // ffn.up stays as an alias so configs written before policy.trunk keep working.
  // block.ffn: where a bottleneck adapter goes (after each trunk linear; a whole layer module
  // cannot be wrapped).
  layerRoles: {
    'policy.trunk': 'linear',
    'ffn.up': 'linear',
    'block.ffn': 'linear',
    norm: 'norm',
    block: '',
  },
});

export const mlpPolicyArchitecture: Architecture<MlpPolicyConfig> = {
  id: 'mlp_policy',
  description: 'MLP policy over a flattened observation window (trunk.N.linear + LayerNorm)',
  configSchema: mlpPolicyConfig,
  build: (c) => new MlpPolicy(c),
  async loadCheckpoint(dir) {
    const config = await readConfig(dir, 'mlp_policy', mlpPolicyConfig);
    const model = new MlpPolicy(config);
    await loadCheckpointInto(dir, model);
    return { model, config };
  },
  saveCheckpoint: (dir, model, c) => saveCheckpoint(dir, model, { model_type: 'mlp_policy', ...c }),
  placement: () => mlpPolicyPlacement,
  declaredRoles: POLICY_ROLES,
  outputFeatures: (c) => c.hidden_size,
};

export const transformerPolicyPlacement: Placement = definePlacement({
  architecture: 'transformer_policy',
  declaredRoles: POLICY_ROLES,
  layers: 'encoder.layers',
  layerRoles: {
    'attn.q': 'self_attn.q_proj',
    'attn.k': 'self_attn.k_proj',
    'attn.v': 'self_attn.v_proj',
    'attn.o': 'self_attn.out_proj',
    'ffn.up': 'linear1',
    'ffn.down': 'linear2',
    'policy.trunk': ['linear1', 'linear2'],
    'block.attn': 'self_attn.out_proj',
    'block.ffn': 'linear2',
    attention: 'self_attn',
    norm: ['norm1', 'norm2'],
    block: '',
  },
  modelRoles: { embed: 'obs_proj' },
});

export const transformerPolicyArchitecture: Architecture<TransformerPolicyConfig> = {
  id: 'transformer_policy',
  description: 'transformer over the observation history (pre-norm encoder, last frame read out)',
  configSchema: transformerPolicyConfig,
  build: (c) => new TransformerPolicy(c),
  async loadCheckpoint(dir) {
    const config = await readConfig(dir, 'transformer_policy', transformerPolicyConfig);
    const model = new TransformerPolicy(config);
    await loadCheckpointInto(dir, model);
    return { model, config };
  },
  saveCheckpoint: (dir, model, c) => saveCheckpoint(dir, model, { model_type: 'transformer_policy', ...c }),
  placement: () => transformerPolicyPlacement,
  declaredRoles: POLICY_ROLES,
  outputFeatures: (c) => c.d_model,
};
