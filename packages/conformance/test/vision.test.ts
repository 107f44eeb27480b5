import { defineMatrixSuite } from './matrix-suite.js';

// vision: ViT, ResNet and an imported tfjs LayersModel, every method.
await defineMatrixSuite(['vit', 'resnet', 'tfjs-layers']);
