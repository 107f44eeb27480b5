import type * as tf from '@tensorflow/tfjs';

type Layer = tf.layers.Layer;

/**
 * Typed, checked access to a tfjs layer's `getConfig()` (camelCase keys) and weights. Every
 * error names the layer and its class, so an import failure points at the offending layer.
 */
export class LayerConfig {
  readonly className: string;
  readonly where: string;
  private readonly config: Record<string, unknown>;

  constructor(readonly layer: Layer) {
    this.className = layer.getClassName();
    this.where = `importLayersModel: layer '${layer.name}' (${this.className})`;
    this.config = layer.getConfig() as Record<string, unknown>;
  }

  fail(detail: string): never {
    throw new Error(`${this.where}: ${detail}`);
  }

  raw(key: string): unknown {
    return this.config[key];
  }

  number(key: string, fallback?: number): number {
    const v = this.config[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v))
      this.fail(`config '${key}' must be a number, got ${JSON.stringify(v)}`);
    return v;
  }

  /** `n` or `[a, b]` as a pair. */
  pair(key: string, fallback?: number | [number, number]): [number, number] {
    const v = this.config[key] ?? fallback;
    if (typeof v === 'number') return [v, v];
    if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number'))
      return [v[0] as number, v[1] as number];
    return this.fail(`config '${key}' must be a number or a pair, got ${JSON.stringify(v)}`);
  }

  /** `n` or `[n]` as a number (tfjs stores 1-D kernel sizes and strides as 1-element arrays). */
  single(key: string, fallback?: number): number {
    const v = this.config[key] ?? fallback;
    if (typeof v === 'number') return v;
    if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'number') return v[0];
    return this.fail(`config '${key}' must be a number, got ${JSON.stringify(v)}`);
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.config[key] ?? fallback;
    if (typeof v !== 'boolean') this.fail(`config '${key}' must be a boolean, got ${JSON.stringify(v)}`);
    return v;
  }

  /** `'same' | 'valid'` padding; `'causal'` and others are refused. */
  padding(): 'same' | 'valid' {
    const p = this.config['padding'] ?? 'valid';
    if (p !== 'same' && p !== 'valid')
      this.fail(`padding ${JSON.stringify(p)} is not supported (only 'same' and 'valid')`);
    return p;
  }

  /** peftkit's layers are channels-last only; refuse `channelsFirst` clearly. */
  requireChannelsLast(): void {
    const f = this.config['dataFormat'];
    if (f !== undefined && f !== null && f !== 'channelsLast') {
      this.fail(`dataFormat '${String(f)}' is not supported: peftkit layers are channels-last (NHWC) only`);
    }
  }

  /** The `axis` config resolved against `rank`, which must be the last axis. */
  requireLastAxis(rank: number): void {
    let axis = this.config['axis'] ?? -1;
    if (Array.isArray(axis) && axis.length === 1) axis = axis[0];
    if (typeof axis !== 'number' || (axis !== -1 && axis !== rank - 1)) {
      this.fail(`axis ${JSON.stringify(axis)} is not supported: only the last (channels) axis`);
    }
  }

  /**
   * The current value of the weight whose name ends in `suffix` (`kernel`, `gamma`, ...). The
   * tensor belongs to the layer: do not dispose it.
   */
  weight(suffix: string): tf.Tensor {
    const w = this.optionalWeight(suffix);
    if (!w)
      this.fail(
        `has no weight '${suffix}' (weights: ${this.layer.weights.map((v) => v.originalName).join(', ')})`,
      );
    return w;
  }

  optionalWeight(suffix: string): tf.Tensor | undefined {
    const v = this.layer.weights.find((w) => w.originalName.split('/').pop() === suffix);
    return v?.read();
  }
}
