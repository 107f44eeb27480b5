export { importLayersModel, loadLayersModelFromDir } from './import-layers-model.js';
export { type GraphSpec, type GraphStep, ImportedGraphModule } from './imported-graph-module.js';
export { type ConvertedLayer, LAYER_CONVERTERS, type LayerConverter } from './layer-converters.js';
export { LayerNameAllocator, sanitizeLayerName } from './layer-names.js';
