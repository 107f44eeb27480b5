import { causalMask, dropout, LayerNorm, Module, ModuleList, type UnaryModule } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { runCrossAttendingLayers, withPaddingBias } from '../seq2seq/cross-attending-layers.js';
import { type Seq2SeqCache, seq2seqCacheLength } from '../seq2seq/seq2seq-cache.js';
import type { Seq2SeqDecodeInputs } from '../seq2seq/seq2seq-lm.js';
import type { BartConfig } from './config.js';
import { BartLayer } from './layers.js';
import { LearnedPositions, marianSinusoidalPositions } from './positions.js';

/**
 * `model.encoder` / `model.decoder` of BART and Marian: the shared `embed_tokens` (not owned
 * here) times `sqrt(d_model)` when `scale_embedding`, plus positions (BART: learned
 * `embed_positions` with offset 2; Marian: sinusoidal, not stored), BART's `layernorm_embedding`,
 * dropout, then `layers.N`.
 */
export class BartStack extends Module<
  [tf.Tensor, Seq2SeqDecodeInputs?],
  { hidden: tf.Tensor; cache: Seq2SeqCache }
> {
  readonly isDecoder: boolean;
  private readonly embed: () => UnaryModule;
  private readonly config: BartConfig;
  private readonly embedScale: number;

  /** `embed` returns the current `model.shared` (looked up per call, see `T5Stack`). */
  constructor(config: BartConfig, isDecoder: boolean, embed: () => UnaryModule) {
    super();
    this.config = config;
    this.isDecoder = isDecoder;
    this.embed = embed;
    this.embedScale = config.scale_embedding ? Math.sqrt(config.d_model) : 1;
    if (config.model_type === 'bart') {
      this.registerModule(
        'embed_positions',
        new LearnedPositions(config.max_position_embeddings, config.d_model),
      );
    }
    const n = isDecoder ? config.decoder_layers : config.encoder_layers;
    this.registerModule(
      'layers',
      new ModuleList(Array.from({ length: n }, () => new BartLayer(config, isDecoder))),
    );
    if (config.model_type === 'bart')
      this.registerModule('layernorm_embedding', new LayerNorm(config.d_model));
  }

  forward(inputIds: tf.Tensor, inputs: Seq2SeqDecodeInputs = {}): { hidden: tf.Tensor; cache: Seq2SeqCache } {
    const caller = this.isDecoder ? 'BartStack(decoder).forward' : 'BartStack(encoder).forward';
    if (inputIds.rank !== 2) throw new Error(`${caller}: inputIds must be [B, T], got [${inputIds.shape}]`);
    const past = seq2seqCacheLength(inputs.cache);
    const t = inputIds.shape[1] as number;
    let h = this.embed().forward(inputIds);
    if (this.embedScale !== 1) h = tf.mul(h, this.embedScale);
    if (this.config.model_type === 'bart') {
      h = tf.add(h, this.child<LearnedPositions>('embed_positions').positions(past, t));
      h = this.child<UnaryModule>('layernorm_embedding').forward(h);
    } else {
      if (past + t > this.config.max_position_embeddings) {
        throw new Error(
          `${caller}: ${past + t} positions exceed max_position_embeddings ${this.config.max_position_embeddings}`,
        );
      }
      h = tf.add(h, marianSinusoidalPositions(past, t, this.config.d_model));
    }
    h = dropout(h, this.config.dropout, this.training);
    const selfBias = withPaddingBias(
      this.isDecoder ? causalMask(t, past) : undefined,
      inputs.attentionMask,
      past,
      t,
      caller,
    );
    const layers = [...this.child<ModuleList<BartLayer>>('layers')];
    return runCrossAttendingLayers(layers, h, inputs, { isDecoder: this.isDecoder, selfBias, caller });
  }
}
