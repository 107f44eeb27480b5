import type * as tf from '@tensorflow/tfjs';
import { type AnyModule, isPrefixHost, type PrefixHost } from '../../../nn/index.js';
import { AdapterLayer, AdapterModuleDict, type AdapterRouting } from '../../adapter-layer.js';
import type { PrefixEncoder } from './encoder.js';

/** What `PrefixTuningLayer.addAdapter` needs. */
export interface PrefixLayerSettings {
  /** Shared by every attention layer of the adapter (registered in each; the tree dedups it). */
  encoder: PrefixEncoder;
  /** Which slice of the prefix this layer uses. */
  layerIndex: number;
}

/**
 * Prefix tuning on one attention module: for the duration of a call, sets the module's prefix
 * hook to the active adapter's keys/values for this layer (masks are extended by the attention
 * itself). The adapter's `PrefixEncoder` is shared by all wrapped layers and appears in each
 * layer's `prefix_encoder` container, so activation, disabling and deletion work per layer
 * like any adapter layer. One prefix adapter at a time; per-example routing is refused.
 */
export class PrefixTuningLayer extends AdapterLayer<unknown[], tf.Tensor> {
  readonly adapterContainers = ['prefix_encoder'] as const;
  private readonly layerIndex = new Map<string, number>();

  constructor(base: AnyModule, routing: AdapterRouting) {
    if (!isPrefixHost(base)) {
      throw new Error(
        `PrefixTuningLayer wraps an attention module with setPrefixProvider, got ${base.typeName}`,
      );
    }
    super(base, routing);
    this.registerModule('prefix_encoder', new AdapterModuleDict<PrefixEncoder>());
  }

  private get encoders(): AdapterModuleDict<PrefixEncoder> {
    return this.child<AdapterModuleDict<PrefixEncoder>>('prefix_encoder');
  }

  encoderFor(name: string): PrefixEncoder {
    return this.encoders.get(name);
  }

  addAdapter(name: string, config: Readonly<Record<string, unknown>>): void {
    const s = config as unknown as PrefixLayerSettings;
    this.encoders.set(name, s.encoder);
    this.layerIndex.set(name, s.layerIndex);
  }

  protected override onDeleteAdapter(name: string): void {
    this.layerIndex.delete(name);
  }

  /**
   * Positions the next call prepends to the keys/values (the active adapter's
   * `numVirtualTokens`), 0 while no prefix adapter is active or adapters are disabled. Models
   * that offset positions or masks by the prefix (encoder-decoders, where the prefix is the
   * decoder's first cached positions, as in HF) read it before running their layers.
   */
  activePrefixLength(): number {
    const name = this.adaptersForCall()[0];
    return name === undefined ? 0 : this.encoders.get(name).numVirtualTokens;
  }

  forward(...inputs: unknown[]): tf.Tensor {
    if (this.routing.adapterNames) {
      throw new Error(
        'PREFIX_TUNING: per-example adapterNames are not supported; run one prefix adapter per call',
      );
    }
    const names = this.adaptersForCall();
    if (names.length > 1) {
      throw new Error(`PREFIX_TUNING: only one prefix adapter can be active, got ${names.join(', ')}`);
    }
    const name = names[0];
    if (name === undefined) return this.base.forward(...inputs) as tf.Tensor;
    const host = this.base as AnyModule & PrefixHost;
    const encoder = this.encoders.get(name);
    const index = this.layerIndex.get(name) as number;
    const previous = host.prefixProvider;
    host.setPrefixProvider((batchSize) => encoder.layerPrefix(index, batchSize));
    try {
      return host.forward(...inputs) as tf.Tensor;
    } finally {
      host.setPrefixProvider(previous);
    }
  }
}

/**
 * Prefix positions `module` prepends on its next call: `activePrefixLength()` of a
 * `PrefixTuningLayer`, 0 for any other module (no prefix adapter there).
 */
export function activePrefixLength(module: AnyModule): number {
  return module instanceof PrefixTuningLayer ? module.activePrefixLength() : 0;
}
