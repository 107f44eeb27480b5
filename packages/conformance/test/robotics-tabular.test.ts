import { defineMatrixSuite } from './matrix-suite.js';

// robotics policies and the tabular example plugin's MLP, every method.
await defineMatrixSuite(['mlp_policy', 'transformer_policy', 'tabular-mlp']);
