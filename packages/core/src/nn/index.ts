export {
  fromTorchLayout,
  sameShape,
  TORCH_LAYOUTS,
  type TorchLayout,
  torchShapeOf,
  toTorchLayout,
} from './layout.js';
export { type AnyModule, type LoadStateDictOptions, type LoadStateDictReport, Module } from './module.js';
export { Parameter, type ParameterOptions } from './parameter.js';
