import type * as tf from '@tensorflow/tfjs';
import type { Seq2SeqCache } from './seq2seq-cache.js';

/** Token ids an encoder-decoder generates with (HF's generation config fields). */
export interface Seq2SeqTokenIds {
  /** First decoder input (T5: pad; BART: eos; Marian: pad). */
  readonly decoderStartTokenId: number;
  readonly eosTokenId: number;
  readonly padTokenId: number;
  /** Forced as the first generated token (BART's `forced_bos_token_id`), if any. */
  readonly forcedBosTokenId?: number | undefined;
  /** Forced when the length limit is reached (`forced_eos_token_id`), if any. */
  readonly forcedEosTokenId?: number | undefined;
}

/** Inputs of one decoder call. */
export interface Seq2SeqDecodeInputs {
  /** The encoder output `[B, S, E]`; may be omitted once `cache` holds its keys/values. */
  encoderHidden?: tf.Tensor | undefined;
  /** The source padding mask `[B, S]` (1 = token). */
  encoderMask?: tf.Tensor | undefined;
  /** The decoder's own padding mask `[B, past + T]` (teacher forcing with padded targets). */
  attentionMask?: tf.Tensor | undefined;
  /** Keys/values of earlier decoder positions and of the encoder output. */
  cache?: Seq2SeqCache | undefined;
}

/**
 * An encoder-decoder language model as generation and the seq2seq head see it: the encoder runs
 * once per source, the decoder runs step by step with a cache. Implemented by the T5 and
 * BART/Marian models; call inside `tf.tidy` (the outputs belong to the caller).
 */
export interface Seq2SeqLm {
  readonly training: boolean;
  train(mode?: boolean): unknown;
  eval(): unknown;
  readonly tokenIds: Seq2SeqTokenIds;
  readonly vocabSize: number;
  /** Encoder output `[B, S, E]` for `inputIds` `[B, S]`. */
  encode(inputIds: tf.Tensor, attentionMask?: tf.Tensor): tf.Tensor;
  /** Logits `[B, T, V]` of the decoder inputs `[B, T]`, and the cache covering them. */
  decode(decoderInputIds: tf.Tensor, inputs: Seq2SeqDecodeInputs): { logits: tf.Tensor; cache: Seq2SeqCache };
}
