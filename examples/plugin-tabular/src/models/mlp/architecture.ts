import { type Architecture, disposeAll, loadBaseCheckpoint, saveCheckpoint } from '@peftkit/core';
import { type MlpConfig, mlpConfig, mlpFileConfig } from './config.js';
import { Mlp } from './mlp.js';
import { mlpPlacement, TABULAR_ROLES } from './placement.js';

/**
 * The MLP as a peftkit architecture: build, HF-style checkpoint I/O, roles. Its id is also the
 * `model_type` it writes, so `--base <dir>` finds it from `config.json`.
 */
export const mlpArchitecture: Architecture<MlpConfig> = {
  id: 'tabular-mlp',
  description: 'residual MLP over standardised features (pre-norm blocks, GELU)',
  configSchema: mlpConfig,
  build: (config) => new Mlp(config),
  async loadCheckpoint(dir) {
    const { model, config, headTensors } = await loadBaseCheckpoint(dir, {
      modelType: 'tabular-mlp',
      basePrefix: '',
      configSchema: mlpFileConfig,
      build: (c) => new Mlp(c),
    });
    disposeAll(headTensors);
    return { model, config };
  },
  saveCheckpoint: (dir, model, config) => saveCheckpoint(dir, model, config),
  placement: () => mlpPlacement,
  declaredRoles: TABULAR_ROLES,
  outputFeatures: (config) => config.hidden_size,
};
