import {
  AdapterLayer,
  AdapterParameterDict,
  type AdapterRouting,
  type AnyModule,
  type ConfigInput,
  ContainerModule,
  defineConfig,
  definePlugin,
  defineTunerMethod,
  Linear,
  layerFactory,
  PeftMethodContribution,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';

/**
 * OUTPUT_SHIFT, the matrix's own plugin-contributed method: a learned shift added to a `Linear`'s
 * output (`y = base(x) + t`, `t` zero at init), contributed through the host like a third-party
 * plugin's method. It is deliberately the simplest mergeable method (merge adds `t` to the bias),
 * so a plugin method joins the matrix the same way a built-in one does.
 */
export const outputShiftConfig = defineConfig('OUTPUT_SHIFT', {});

export type OutputShiftConfig = ReturnType<typeof outputShiftConfig.parse>;

declare module '@peftkit/core' {
  interface PeftConfigMap {
    OUTPUT_SHIFT: ConfigInput<typeof outputShiftConfig>;
  }
}

/** `y = base(x) + t` per active adapter; file key `<path>.output_shift`. */
export class OutputShiftLayer extends AdapterLayer<[tf.Tensor], tf.Tensor> {
  readonly adapterContainers = ['output_shift'] as const;

  constructor(base: AnyModule, routing: AdapterRouting) {
    if (!(base instanceof Linear)) throw new Error(`OutputShiftLayer wraps a Linear, got ${base.typeName}`);
    super(base, routing);
    this.registerModule('output_shift', new AdapterParameterDict());
  }

  private get shifts(): AdapterParameterDict {
    return this.child<AdapterParameterDict>('output_shift');
  }

  addAdapter(name: string): void {
    const width = (this.base as Linear).outFeatures;
    this.shifts.init(name, () => tf.zeros([width]));
  }

  forward(x: tf.Tensor): tf.Tensor {
    let y = this.base.forward(x) as tf.Tensor;
    const masks = this.routedMasks(x.shape[0] ?? 1);
    if (masks) {
      for (const [name, mask] of masks) {
        const m = tf.reshape(mask, [-1, ...new Array<number>(y.rank - 1).fill(1)]);
        y = tf.add(y, tf.mul(m, this.shifts.get(name).value));
      }
      return y;
    }
    for (const name of this.adaptersForCall()) y = tf.add(y, this.shifts.get(name).value);
    return y;
  }

  protected override mergeOne(name: string, sign: 1 | -1): void {
    const bias = (this.base as Linear).bias;
    if (!bias) throw new Error('OUTPUT_SHIFT: cannot merge into a Linear without a bias');
    const next = tf.tidy(() => tf.add(bias.value, tf.mul(this.shifts.get(name).value, sign)));
    bias.assign(next);
    next.dispose();
  }
}

export const outputShiftMethod: PeftMethodContribution<OutputShiftConfig> = {
  ...defineTunerMethod<OutputShiftConfig>({
    peftType: 'OUTPUT_SHIFT',
    config: outputShiftConfig,
    factories: [layerFactory('Linear', Linear, OutputShiftLayer)],
    layerClasses: [OutputShiftLayer],
    mergeable: true,
  }),
  description: 'a learned shift on Linear outputs (the conformance matrix plugin method)',
};

/** The tiny plugin that contributes OUTPUT_SHIFT through the host. */
export const outputShiftPlugin = definePlugin({
  id: 'conformance-output-shift',
  version: '0.1.0',
  domain: 'test',
  description: 'contributes OUTPUT_SHIFT, a plugin PEFT method for the conformance matrix',
  module: new ContainerModule(({ bind }) => {
    bind(PeftMethodContribution).toConstantValue(outputShiftMethod);
  }),
});
