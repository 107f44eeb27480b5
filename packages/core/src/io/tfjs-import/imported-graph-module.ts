import type * as tf from '@tensorflow/tfjs';
import { type AnyModule, Module, type UnaryModule } from '../../nn/module.js';

/** One call of a layer in the imported graph, in execution order. */
export interface GraphStep {
  /** Name of the child module (the sanitised layer name). A shared layer appears in several steps. */
  child: string;
  /** Value slots read, in call order. */
  inputs: number[];
  /** Value slot written. */
  output: number;
  /** Runs before the child (e.g. the int32 cast in front of an Embedding). */
  pre?: UnaryModule | undefined;
  /** A Keras layer's fused activation, run after the child. */
  activation?: UnaryModule | undefined;
}

export interface GraphSpec {
  /** Slot of the model input. */
  input: number;
  /** Slot of the model output. */
  output: number;
  /** Model input shape with the batch axis (`null` = any), checked on every call. */
  inputShape: readonly (number | null)[];
  steps: GraphStep[];
  /** Original tfjs layer name -> child name. */
  layerNames: ReadonlyMap<string, string>;
}

/**
 * A tfjs `LayersModel` imported as a module tree: one child per layer, named after the layer
 * (sanitised), executed in the functional graph's topological order. Children are looked up by
 * name on every call, so PEFT wrapping a child (`setSubmodule('dense_1', lora)`) takes effect.
 *
 * Keras' fused activations (`Dense({activation: 'relu'})`) are kept beside the child rather than
 * inside it, so the child is exactly a `Linear` / `Conv2d` that PEFT methods recognise.
 */
export class ImportedGraphModule extends Module<[tf.Tensor], tf.Tensor> {
  private readonly spec: GraphSpec;

  constructor(children: ReadonlyMap<string, AnyModule>, spec: GraphSpec) {
    super();
    for (const [name, m] of children) this.registerModule(name, m);
    for (const step of spec.steps) {
      if (!children.has(step.child))
        throw new Error(`ImportedGraphModule: step refers to unknown child '${step.child}'`);
    }
    this.spec = spec;
  }

  /** Original tfjs layer name -> module path in this tree. */
  get layerPaths(): ReadonlyMap<string, string> {
    return this.spec.layerNames;
  }

  /** The module path of a tfjs layer, by its original name. */
  pathOf(layerName: string): string {
    const p = this.spec.layerNames.get(layerName);
    if (p === undefined) throw new Error(`ImportedGraphModule: no layer named '${layerName}'`);
    return p;
  }

  get inputShape(): readonly (number | null)[] {
    return this.spec.inputShape;
  }

  forward(x: tf.Tensor): tf.Tensor {
    const expected = this.spec.inputShape;
    if (x.rank !== expected.length || expected.some((d, i) => d !== null && d !== x.shape[i])) {
      throw new Error(
        `ImportedGraphModule.forward: input must have shape [${expected.map((d) => d ?? 'any')}], got [${x.shape}]`,
      );
    }
    const slots = new Map<number, tf.Tensor>([[this.spec.input, x]]);
    for (const step of this.spec.steps) {
      const inputs = step.inputs.map((s) => slots.get(s)!);
      if (step.pre) inputs[0] = step.pre.call(inputs[0]!);
      let y = this.child(step.child).call(...inputs) as tf.Tensor;
      if (step.activation) y = step.activation.call(y);
      slots.set(step.output, y);
    }
    return slots.get(this.spec.output)!;
  }
}
