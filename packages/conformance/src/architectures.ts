import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import {
  type AnyModule,
  type DefaultTargetTable,
  fileSystemHandler,
  type PeftkitHost,
  type Placement,
} from '@peftkit/core';
import { speechArchitectures, speechPlacementDefaults } from '@peftkit/speech';
import { loadTfjsModel, tfjsArchitecture } from '@peftkit/vision';
import * as tf from '@tensorflow/tfjs';

/** A freshly built base with what `getPeftModel` needs to place adapters on it. */
export interface BuiltBase {
  readonly model: AnyModule;
  readonly placement: Placement;
  readonly defaults: DefaultTargetTable | undefined;
}

/** Where a built architecture comes from, for the matrix's notes. */
export type ArchitectureSource = 'plugin' | 'package (no plugin yet)' | 'imported (tfjs model.json)';

/**
 * One column of the matrix: a tiny model of one shipped architecture, the inputs it is called
 * with, and the tensor its output is compared and trained on.
 */
export interface ArchitectureCase {
  /** The architecture id (`Architecture.id`). */
  readonly id: string;
  readonly domain: string;
  readonly source: ArchitectureSource;
  /**
   * Builds the base the same way every time for a given `setSeed` (the save -> load check
   * builds it twice), with its placement and `PlacementContribution` defaults.
   */
  build(host: PeftkitHost, tmp: string): Promise<BuiltBase>;
  /** Fresh inputs for `model.call(...inputs)`; the caller disposes them. */
  inputs(): unknown[];
}

/**
 * The tensor an output is compared and trained on: the tensor itself, `lastHiddenState`, or an
 * encoder-decoder's `logits`.
 */
export function primaryOutput(out: unknown): tf.Tensor {
  if (out instanceof tf.Tensor) return out;
  const o = out as { lastHiddenState?: unknown; logits?: unknown } | null;
  if (o?.lastHiddenState instanceof tf.Tensor) return o.lastHiddenState;
  if (o?.logits instanceof tf.Tensor) return o.logits;
  throw new Error('model output is neither a tensor nor an object with lastHiddenState or logits');
}

/** Builds `id` from the host (plugins) or, for speech (no plugin yet), from its package. */
function fromArchitecture(id: string, rawConfig: Record<string, unknown>): ArchitectureCase['build'] {
  return async (host) => {
    const speech = speechArchitectures.find((a) => a.id === id);
    const arch = speech ?? host.architectures.get(id);
    const config = arch.configSchema.parse(rawConfig);
    const defaults = speech
      ? speechPlacementDefaults.find((p) => p.architecture === id)?.defaults
      : host.placements.find(id)?.defaults;
    return { model: arch.build(config), placement: arch.placement(config), defaults };
  };
}

function ids(vocab: number): tf.Tensor2D {
  return tf.tensor2d(
    [
      [1, 2, 3, 4, 5],
      [6, 7, 8, 9, 10],
    ].map((r) => r.map((v) => v % vocab)),
    [2, 5],
    'int32',
  );
}

/** Source ids with a padded row, and teacher-forced decoder inputs (4 positions). */
function seq2seqInputs(): unknown[] {
  const decoderInputIds = tf.tensor2d(
    [
      [2, 3, 4, 5],
      [2, 7, 8, 9],
    ],
    [2, 4],
    'int32',
  );
  return [ids(TEXT.vocab), { attentionMask: paddingMask(5, [5, 3]), decoderInputIds }];
}

/** Row 0 has 5 real tokens, row 1 has 3 (exercises masks, and prompt tuning's PromptAware). */
function paddingMask(length: number, real: readonly number[]): tf.Tensor2D {
  return tf.tensor2d(
    real.map((n) => Array.from({ length }, (_, i) => (i < n ? 1 : 0))),
    [real.length, length],
    'int32',
  );
}

/** Seeded values in [-1, 1): inputs that do not depend on the backend's RNG. */
function seeded(shape: number[], salt = 1): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(size);
  let s = 12345 + salt;
  for (let i = 0; i < size; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    v[i] = (s / 2147483648) * 2 - 1;
  }
  return tf.tensor(v, shape);
}

/** A tiny tfjs LayersModel (conv, BN, conv, pool, dense) written once as model.json. */
async function writeTfjsModel(dir: string): Promise<void> {
  if (await fs.stat(path.join(dir, 'model.json')).catch(() => undefined)) return;
  const input = tf.input({ shape: [8, 8, 3] });
  let h = tf.layers
    .conv2d({
      filters: 4,
      kernelSize: 3,
      padding: 'same',
      name: 'conv_a',
      kernelInitializer: 'glorotUniform',
    })
    .apply(input) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization({ name: 'bn_a' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.activation({ activation: 'relu' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers
    .conv2d({ filters: 6, kernelSize: 3, strides: 2, name: 'conv_b' })
    .apply(h) as tf.SymbolicTensor;
  h = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(h) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 5, name: 'predictions' }).apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  await model.save(fileSystemHandler(dir));
  model.dispose();
}

const TEXT = { vocab: 12 };

/** Every architecture the repository ships, tiny. */
export const ARCHITECTURES: readonly ArchitectureCase[] = [
  {
    id: 'bert',
    domain: 'nlp',
    source: 'plugin',
    build: fromArchitecture('bert', {
      vocab_size: TEXT.vocab,
      hidden_size: 8,
      num_hidden_layers: 2,
      num_attention_heads: 2,
      intermediate_size: 16,
      max_position_embeddings: 16,
      hidden_dropout_prob: 0,
      attention_probs_dropout_prob: 0,
    }),
    inputs: () => [ids(TEXT.vocab), { attentionMask: paddingMask(5, [5, 3]) }],
  },
  {
    id: 'distilbert',
    domain: 'nlp',
    source: 'plugin',
    build: fromArchitecture('distilbert', {
      vocab_size: TEXT.vocab,
      dim: 8,
      n_layers: 2,
      n_heads: 2,
      hidden_dim: 16,
      max_position_embeddings: 16,
      dropout: 0,
      attention_dropout: 0,
      seq_classif_dropout: 0,
    }),
    inputs: () => [ids(TEXT.vocab), { attentionMask: paddingMask(5, [5, 3]) }],
  },
  {
    id: 'gpt2',
    domain: 'nlp',
    source: 'plugin',
    build: fromArchitecture('gpt2', {
      vocab_size: TEXT.vocab,
      n_positions: 16,
      n_embd: 8,
      n_layer: 2,
      n_head: 2,
      resid_pdrop: 0,
      embd_pdrop: 0,
      attn_pdrop: 0,
    }),
    inputs: () => [ids(TEXT.vocab), { attentionMask: paddingMask(5, [5, 3]) }],
  },
  // Encoder-decoders: the teacher-forced forward's logits are the compared output.
  {
    id: 't5',
    domain: 'nlp',
    source: 'plugin',
    build: fromArchitecture('t5', {
      vocab_size: TEXT.vocab,
      d_model: 8,
      d_kv: 4,
      d_ff: 16,
      num_layers: 2,
      num_heads: 2,
      relative_attention_num_buckets: 8,
      relative_attention_max_distance: 16,
      dropout_rate: 0,
    }),
    inputs: () => seq2seqInputs(),
  },
  ...(['bart', 'marian'] as const).map(
    (id): ArchitectureCase => ({
      id,
      domain: 'nlp',
      source: 'plugin',
      build: fromArchitecture(id, {
        vocab_size: TEXT.vocab,
        d_model: 8,
        encoder_layers: 2,
        decoder_layers: 2,
        encoder_attention_heads: 2,
        decoder_attention_heads: 2,
        encoder_ffn_dim: 16,
        decoder_ffn_dim: 16,
        max_position_embeddings: 16,
        dropout: 0,
        pad_token_id: 1,
        eos_token_id: 2,
        decoder_start_token_id: 2,
        forced_eos_token_id: 2,
      }),
      inputs: () => seq2seqInputs(),
    }),
  ),
  {
    id: 'vit',
    domain: 'vision',
    source: 'plugin',
    build: fromArchitecture('vit', {
      image_size: 16,
      patch_size: 8,
      hidden_size: 8,
      num_hidden_layers: 2,
      num_attention_heads: 2,
      intermediate_size: 16,
      num_channels: 3,
    }),
    inputs: () => [seeded([2, 16, 16, 3])],
  },
  {
    id: 'resnet',
    domain: 'vision',
    source: 'plugin',
    build: fromArchitecture('resnet', { block: 'basic', layers: [1, 1], width: 4, stem: 'small' }),
    inputs: () => [seeded([2, 8, 8, 3])],
  },
  {
    id: 'tfjs-layers',
    domain: 'vision',
    source: 'imported (tfjs model.json)',
    async build(host, tmp) {
      // Imported, not built (`Architecture.build` refuses): the same model.json each time.
      const dir = path.join(tmp, 'tfjs-model');
      await writeTfjsModel(dir);
      const { model, config } = await loadTfjsModel({ model_path: dir });
      return {
        model,
        placement: tfjsArchitecture.placement(config),
        defaults: host.placements.find('tfjs-layers')?.defaults,
      };
    },
    inputs: () => [seeded([2, 8, 8, 3])],
  },
  {
    id: 'whisper',
    domain: 'speech',
    source: 'package (no plugin yet)',
    build: fromArchitecture('whisper', {
      num_mel_bins: 8,
      d_model: 8,
      encoder_layers: 2,
      encoder_attention_heads: 2,
      encoder_ffn_dim: 16,
      max_source_positions: 6,
    }),
    inputs: () => [seeded([2, 8, 12]), { attentionMask: paddingMask(12, [12, 8]) }],
  },
  ...(['wav2vec2', 'hubert'] as const).map(
    (id): ArchitectureCase => ({
      id,
      domain: 'speech',
      source: 'package (no plugin yet)',
      build: fromArchitecture(id, {
        layerdrop: 0,
        mask_time_prob: 0,
        hidden_size: 8,
        num_hidden_layers: 2,
        num_attention_heads: 2,
        intermediate_size: 16,
        conv_dim: [4, 4],
        conv_kernel: [4, 3],
        conv_stride: [3, 2],
        num_conv_pos_embeddings: 4,
        num_conv_pos_embedding_groups: 2,
      }),
      inputs: () => [seeded([2, 64])],
    }),
  ),
  {
    id: 'speech/conv-transformer',
    domain: 'speech',
    source: 'package (no plugin yet)',
    build: fromArchitecture('speech/conv-transformer', {
      num_mel_bins: 8,
      d_model: 8,
      encoder_layers: 2,
      encoder_attention_heads: 2,
      encoder_ffn_dim: 16,
      dropout: 0,
    }),
    inputs: () => [seeded([2, 8, 16]), { attentionMask: paddingMask(16, [16, 12]) }],
  },
  {
    id: 'mlp_policy',
    domain: 'robotics',
    source: 'plugin',
    build: fromArchitecture('mlp_policy', {
      observation_dim: 3,
      history_length: 2,
      action_dim: 2,
      hidden_size: 8,
      num_layers: 2,
    }),
    inputs: () => [seeded([2, 2, 3])],
  },
  {
    id: 'transformer_policy',
    domain: 'robotics',
    source: 'plugin',
    build: fromArchitecture('transformer_policy', {
      observation_dim: 3,
      history_length: 4,
      action_dim: 2,
      d_model: 8,
      num_layers: 2,
      num_heads: 2,
      ffn_dim: 16,
      dropout: 0,
    }),
    inputs: () => [seeded([2, 4, 3])],
  },
  {
    id: 'tabular-mlp',
    domain: 'tabular (examples/plugin-tabular)',
    source: 'plugin',
    build: fromArchitecture('tabular-mlp', {
      in_features: 5,
      hidden_size: 8,
      intermediate_size: 16,
      num_hidden_layers: 2,
    }),
    inputs: () => [seeded([2, 5])],
  },
];
