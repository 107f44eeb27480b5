import * as path from 'node:path';
import { type Architecture, loadCheckpointInto, readJsonObject, saveCheckpoint } from '@peftkit/core';
import { fromFileConfig, type MlpConfig, mlpConfig, toFileConfig } from './config.js';
import { Mlp } from './mlp.js';
import { mlpPlacement, TABULAR_ROLES } from './placement.js';

/** The MLP as a peftkit architecture: build, HF-style checkpoint I/O, roles. */
export const mlpArchitecture: Architecture<MlpConfig> = {
  id: 'tabular/mlp',
  description: 'residual MLP over standardised features (pre-norm blocks, GELU)',
  modelTypes: ['tabular-mlp'],
  configSchema: mlpConfig,
  build: (config) => new Mlp(config),
  async loadCheckpoint(dir) {
    const json = await readJsonObject(path.join(dir, 'config.json'), 'tabular-mlp config');
    if (json['model_type'] !== 'tabular-mlp') {
      throw new Error(`${dir}: model_type is '${String(json['model_type'])}', expected 'tabular-mlp'`);
    }
    const parsed = mlpConfig.safeParse(fromFileConfig(json));
    if (!parsed.success)
      throw new Error(
        `${dir}/config.json: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`,
      );
    const model = new Mlp(parsed.data);
    await loadCheckpointInto(dir, model);
    return { model, config: parsed.data };
  },
  saveCheckpoint: (dir, model, config) => saveCheckpoint(dir, model, toFileConfig(config)),
  placement: () => mlpPlacement,
  declaredRoles: TABULAR_ROLES,
  outputFeatures: (config) => config.hidden,
};
