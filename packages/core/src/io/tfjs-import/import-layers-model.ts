import * as tf from '@tensorflow/tfjs';
import { fileSystemHandler } from '../fs-io-handler.js';
import { type GraphStep, ImportedGraphModule } from './imported-graph-module.js';
import { LayerConfig } from './layer-config.js';
import { type ConvertedLayer, LAYER_CONVERTERS } from './layer-converters.js';
import { LayerNameAllocator } from './layer-names.js';

type SymbolicTensor = tf.SymbolicTensor;
type Layer = tf.layers.Layer;

/**
 * Imports a tfjs `LayersModel` (Sequential or functional) as an `ImportedGraphModule`: one child
 * module per layer, named after the layer with characters outside `[A-Za-z0-9_]` replaced by '_'
 * (`module.layerPaths` maps original names to paths), so PEFT can target its Dense / Conv layers
 * by name. Weights are copied: the result does not depend on `model`, which may be disposed.
 *
 * The result is in eval mode, like a Hugging Face `from_pretrained` model; call `.train()` to
 * train it. Single-input, single-output models only; shared layers are supported (one child,
 * called once per use). Unsupported layers throw, naming the layer and its class.
 *
 * @example
 * const base = importLayersModel(await tf.loadLayersModel(fileSystemHandler('mobilenet')));
 * base.getSubmodule('conv_pw_13'); // a Conv2d
 */
export function importLayersModel(model: tf.LayersModel): ImportedGraphModule {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new Error(
      `importLayersModel: model '${model.name}' has ${model.inputs.length} inputs and ${model.outputs.length} outputs; only single-input, single-output models are supported`,
    );
  }
  const input = model.inputs[0]!;
  const output = model.outputs[0]!;
  const names = new LayerNameAllocator();
  const conversions = new Map<string, ConvertedLayer>();
  const steps: GraphStep[] = [];
  const visited = new Set<number>();

  // Depth-first from the output: a layer call is emitted after every call it reads from.
  const visit = (t: SymbolicTensor): void => {
    if (visited.has(t.id)) return;
    visited.add(t.id);
    if (t.id === input.id) return;
    const layer = t.sourceLayer;
    if (layer.getClassName() === 'InputLayer') {
      throw new Error(`importLayersModel: input layer '${layer.name}' is not the model's input`);
    }
    const node = layer.inboundNodes[t.nodeIndex];
    if (!node) throw new Error(`importLayersModel: layer '${layer.name}' has no call #${t.nodeIndex}`);
    if (node.outputTensors.length !== 1) {
      throw new Error(
        `importLayersModel: layer '${layer.name}' (${layer.getClassName()}) has ${node.outputTensors.length} outputs; multi-output layers are not supported`,
      );
    }
    for (const i of node.inputTensors) visit(i);
    const child = names.nameFor(layer.name);
    // A shared layer (called more than once) is converted once and run at each call.
    let converted = conversions.get(child);
    if (!converted) {
      converted = convertLayer(layer, node.inputTensors);
      conversions.set(child, converted);
    }
    steps.push({
      child,
      inputs: node.inputTensors.map((i) => i.id),
      output: t.id,
      pre: converted.pre,
      activation: converted.activation,
    });
  };
  try {
    visit(output);
  } catch (err) {
    for (const c of conversions.values()) c.module.dispose();
    throw err;
  }
  const children = new Map([...conversions].map(([name, c]) => [name, c.module] as const));

  const module = new ImportedGraphModule(children, {
    input: input.id,
    output: output.id,
    inputShape: input.shape,
    steps,
    layerNames: names.mapping(),
  });
  return module.eval();
}

function convertLayer(layer: Layer, inputs: SymbolicTensor[]): ConvertedLayer {
  const config: LayerConfig = new LayerConfig(layer);
  const convert = LAYER_CONVERTERS[config.className];
  if (!convert) {
    const nested =
      layer instanceof tf.LayersModel ? ' (nested models are not supported: flatten it first)' : '';
    config.fail(
      `unsupported layer class '${config.className}'${nested}; supported: ${Object.keys(LAYER_CONVERTERS).join(', ')}`,
    );
  }
  const converted = convert(
    config,
    inputs.map((t) => t.shape),
  );
  if (!layer.trainable) converted.module.requiresGrad(false);
  return converted;
}

/**
 * Loads a tfjs `model.json` (+ weight shards) from the local filesystem and imports it. The
 * LayersModel is disposed afterwards; the returned module owns copies of the weights.
 *
 * @example
 * const base = await loadLayersModelFromDir('models/my-cnn'); // or .../model.json
 */
export async function loadLayersModelFromDir(path: string): Promise<ImportedGraphModule> {
  const model = await tf.loadLayersModel(fileSystemHandler(path));
  try {
    return importLayersModel(model);
  } finally {
    model.dispose();
  }
}
