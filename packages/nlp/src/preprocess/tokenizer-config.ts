import type { PaddingSide } from './encoding.js';
import { isRecord, type JsonRecord, optionalBoolean, optionalNumber, optionalString } from './json-fields.js';
import { SPECIAL_TOKEN_ROLES, type SpecialTokens, specialTokenKey } from './special-tokens.js';

/** What peftkit reads from `tokenizer_config.json` / `special_tokens_map.json`. */
export interface TokenizerConfigFields {
  special: SpecialTokens;
  doLowerCase: boolean | undefined;
  stripAccents: boolean | undefined;
  tokenizeChineseChars: boolean | undefined;
  addPrefixSpace: boolean | undefined;
  modelMaxLength: number | undefined;
  paddingSide: PaddingSide | undefined;
}

/** HF writes `model_max_length` as 1e30 when the model has no limit. */
const NO_LIMIT = 1e15;

/**
 * Reads the fields of a `tokenizer_config.json` (with a `special_tokens_map.json` merged under
 * it). Unknown keys are ignored; absent ones are undefined.
 */
export function readTokenizerConfig(config: JsonRecord, where: string): TokenizerConfigFields {
  const special: Partial<Record<(typeof SPECIAL_TOKEN_ROLES)[number], string>> = {};
  for (const role of SPECIAL_TOKEN_ROLES) {
    const t = optionalString(config, specialTokenKey(role), where);
    if (t !== undefined) special[role] = t;
  }
  const max = optionalNumber(config, 'model_max_length', where);
  const side = optionalString(config, 'padding_side', where);
  if (side !== undefined && side !== 'left' && side !== 'right') {
    throw new Error(`${where}: 'padding_side' must be 'left' or 'right', got '${side}'`);
  }
  const strip = config['strip_accents'];
  return {
    special,
    doLowerCase: optionalBoolean(config, 'do_lower_case', where),
    stripAccents: typeof strip === 'boolean' ? strip : undefined,
    tokenizeChineseChars: optionalBoolean(config, 'tokenize_chinese_chars', where),
    addPrefixSpace: optionalBoolean(config, 'add_prefix_space', where),
    modelMaxLength: max !== undefined && max < NO_LIMIT ? max : undefined,
    paddingSide: side,
  };
}

/** `special_tokens_map.json` content for `special`. */
export function specialTokensMap(special: SpecialTokens): Record<string, string> {
  const out: Record<string, string> = {};
  for (const role of SPECIAL_TOKEN_ROLES) {
    const t = special[role];
    if (t !== undefined) out[specialTokenKey(role)] = t;
  }
  return out;
}

export function asRecord(v: unknown, where: string): JsonRecord {
  if (!isRecord(v)) throw new Error(`${where}: expected a JSON object`);
  return v;
}
