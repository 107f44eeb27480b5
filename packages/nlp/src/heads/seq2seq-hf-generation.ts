import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { readJsonObject, UserError, writeJsonAtomic } from '@peftkit/core';

/** The file `transformers` keeps a model's generation defaults in (next to `config.json`). */
export const GENERATION_CONFIG_FILE = 'generation_config.json';

/** HF's `GenerationConfig` default `max_length` (decoder length, start token included). */
const HF_DEFAULT_MAX_LENGTH = 20;

async function isFile(file: string): Promise<boolean> {
  return fs.stat(file).then(
    (st) => st.isFile(),
    () => false,
  );
}

/**
 * The `nlp/seq2seq-lm` head config a plain HF encoder-decoder directory implies, as
 * `model.generate()` would decode: the fields of `generation_config.json`, or, without that file,
 * the same fields of `config.json` (HF's legacy fallback). `max_length` (HF's default 20) becomes
 * `maxNewTokens = max_length - 1`, `max_new_tokens` wins over it; sampling settings only count with
 * `do_sample`; one-token `bad_words_ids` and `suppress_tokens` become `suppressTokens`. Token ids
 * given here override `config.json`'s. Longer `bad_words_ids` entries are not supported and refused.
 */
export async function seq2seqConfigFromCheckpoint(
  baseDir: string,
  baseConfig: Readonly<Record<string, unknown>>,
): Promise<Record<string, unknown>> {
  const file = path.join(baseDir, GENERATION_CONFIG_FILE);
  const fromFile = await isFile(file);
  const g: Readonly<Record<string, unknown>> = fromFile
    ? await readJsonObject(file, 'generation config')
    : baseConfig;
  const where = fromFile ? file : path.join(baseDir, 'config.json');
  const int = (key: string, min: number): number | undefined => {
    const v = g[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw new UserError(`${where}: ${key} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  const num = (key: string): number | undefined => {
    const v = g[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new UserError(`${where}: ${key} must be a number, got ${JSON.stringify(v)}`);
    return v;
  };
  // HF allows a list of end tokens; generation here stops at one, the first.
  const eosRaw = g['eos_token_id'];
  const eos = Array.isArray(eosRaw) ? eosRaw[0] : eosRaw;
  if (eos !== undefined && eos !== null && (typeof eos !== 'number' || !Number.isInteger(eos) || eos < 0)) {
    throw new UserError(
      `${where}: eos_token_id must be a token id (or a list of them), got ${JSON.stringify(eosRaw)}`,
    );
  }

  const out: Record<string, unknown> = {};
  const set = (key: string, v: unknown) => {
    if (v !== undefined) out[key] = v;
  };
  set('numBeams', int('num_beams', 1));
  const maxNew = int('max_new_tokens', 1);
  const maxLength = int('max_length', 2) ?? HF_DEFAULT_MAX_LENGTH;
  out['maxNewTokens'] = maxNew ?? maxLength - 1;
  set('minLength', int('min_length', 0));
  set('lengthPenalty', num('length_penalty'));
  const early = g['early_stopping'];
  // HF's early_stopping may be "never" (a stricter false); both false forms stop the same here.
  if (typeof early === 'boolean') out['earlyStopping'] = early;
  else if (early === 'never') out['earlyStopping'] = false;
  set('noRepeatNgramSize', int('no_repeat_ngram_size', 0));
  set('numReturnSequences', int('num_return_sequences', 1));
  if (g['do_sample'] === true) {
    out['doSample'] = true;
    set('temperature', num('temperature'));
    const topK = int('top_k', 0);
    if (topK !== undefined && topK > 0) out['topK'] = topK;
    set('topP', num('top_p'));
  }
  set('decoderStartTokenId', int('decoder_start_token_id', 0));
  if (typeof eos === 'number') out['eosTokenId'] = eos;
  set('forcedBosTokenId', int('forced_bos_token_id', 0));
  set('forcedEosTokenId', int('forced_eos_token_id', 0));
  const suppress = suppressedTokens(g, where);
  if (suppress.length > 0) out['suppressTokens'] = suppress;
  return { generation: out };
}

/** `suppress_tokens` plus every one-token `bad_words_ids` entry. */
function suppressedTokens(g: Readonly<Record<string, unknown>>, where: string): number[] {
  const ids = (v: unknown): v is number[] =>
    Array.isArray(v) && v.every((t) => typeof t === 'number' && Number.isInteger(t) && t >= 0);
  const out: number[] = [];
  const suppress = g['suppress_tokens'];
  if (suppress !== undefined && suppress !== null) {
    if (!ids(suppress)) throw new UserError(`${where}: suppress_tokens must be a list of token ids`);
    out.push(...suppress);
  }
  const bad = g['bad_words_ids'];
  if (bad !== undefined && bad !== null) {
    if (!Array.isArray(bad) || !bad.every(ids)) {
      throw new UserError(`${where}: bad_words_ids must be a list of token id lists`);
    }
    for (const words of bad) {
      if (words.length !== 1) {
        throw new UserError(
          `${where}: bad_words_ids entries of several tokens (${JSON.stringify(words)}) are not supported; only single tokens`,
        );
      }
      out.push(words[0] as number);
    }
  }
  return [...new Set(out)];
}

/** The generation settings `writeSeq2SeqGenerationConfig` reads (the head's `generation`). */
interface GenerationSettings {
  readonly numBeams: number;
  readonly maxNewTokens: number;
  readonly minLength?: number | undefined;
  readonly lengthPenalty: number;
  readonly earlyStopping: boolean;
  readonly noRepeatNgramSize: number;
  readonly doSample: boolean;
  readonly temperature: number;
  readonly topK?: number | undefined;
  readonly topP: number;
  readonly numReturnSequences: number;
  readonly decoderStartTokenId?: number | undefined;
  readonly eosTokenId?: number | undefined;
  readonly forcedBosTokenId?: number | undefined;
  readonly forcedEosTokenId?: number | undefined;
  readonly suppressTokens?: readonly number[] | undefined;
}

/**
 * Writes `generation_config.json` for a merged encoder-decoder so `generate()` in `transformers`
 * decodes as the run does: the head's `generation` settings in HF's names (`max_length` =
 * `maxNewTokens + 1`), token ids from the settings or else `config.json`, suppressed tokens as
 * one-token `bad_words_ids`. Reading it back with `seq2seqConfigFromCheckpoint` gives the same settings.
 */
export async function writeSeq2SeqGenerationConfig(
  dir: string,
  headConfig: unknown,
  checkpointConfig: Readonly<Record<string, unknown>>,
): Promise<void> {
  const g = (headConfig as { generation?: GenerationSettings } | undefined)?.generation;
  if (!g) throw new Error('nlp/seq2seq-lm: the head config has no generation settings');
  const id = (own: number | undefined, key: string) => {
    const v = own ?? checkpointConfig[key];
    return typeof v === 'number' ? v : undefined;
  };
  const out: Record<string, unknown> = {
    bos_token_id: id(undefined, 'bos_token_id'),
    decoder_start_token_id: id(g.decoderStartTokenId, 'decoder_start_token_id'),
    eos_token_id: id(g.eosTokenId, 'eos_token_id'),
    pad_token_id: id(undefined, 'pad_token_id'),
    forced_bos_token_id: id(g.forcedBosTokenId, 'forced_bos_token_id'),
    forced_eos_token_id: id(g.forcedEosTokenId, 'forced_eos_token_id'),
    num_beams: g.numBeams,
    max_length: g.maxNewTokens + 1,
    min_length: g.minLength,
    length_penalty: g.lengthPenalty,
    early_stopping: g.earlyStopping,
    no_repeat_ngram_size: g.noRepeatNgramSize,
    num_return_sequences: g.numReturnSequences,
    ...(g.doSample ? { do_sample: true, temperature: g.temperature, top_k: g.topK ?? 0, top_p: g.topP } : {}),
    bad_words_ids:
      g.suppressTokens && g.suppressTokens.length > 0 ? g.suppressTokens.map((t) => [t]) : undefined,
  };
  const defined = Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
  await writeJsonAtomic(path.join(dir, GENERATION_CONFIG_FILE), defined);
}
