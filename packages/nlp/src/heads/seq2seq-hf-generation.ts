import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { readJsonObject, UserError } from '@peftkit/core';

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
    throw new UserError(`${where}: eos_token_id must be a token id (or a list of them), got ${JSON.stringify(eosRaw)}`);
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
