/** The roles special tokens play; which exist depends on the tokenizer family. */
export const SPECIAL_TOKEN_ROLES = ['unk', 'pad', 'cls', 'sep', 'mask', 'bos', 'eos'] as const;
export type SpecialTokenRole = (typeof SPECIAL_TOKEN_ROLES)[number];

/** Role -> token string (`{ cls: '[CLS]', sep: '[SEP]', ... }`). */
export type SpecialTokens = Readonly<Partial<Record<SpecialTokenRole, string>>>;

/** BERT's defaults. */
export const BERT_SPECIAL_TOKENS: SpecialTokens = Object.freeze({
  pad: '[PAD]',
  unk: '[UNK]',
  cls: '[CLS]',
  sep: '[SEP]',
  mask: '[MASK]',
});

/** GPT-2's: one `<|endoftext|>` serves as unknown, beginning and end of text. */
export const GPT2_SPECIAL_TOKENS: SpecialTokens = Object.freeze({
  unk: '<|endoftext|>',
  bos: '<|endoftext|>',
  eos: '<|endoftext|>',
});

/** HF `special_tokens_map.json` key of each role (`cls_token`, ...). */
export function specialTokenKey(role: SpecialTokenRole): string {
  return `${role}_token`;
}

/**
 * Splits `text` around exact occurrences of `added` tokens (longest match first at each
 * position), as HF's added-token splitter does before normalisation. Returns segments in order;
 * `added: true` segments are whole added tokens.
 *
 * @example splitAddedTokens('a [MASK] b', ['[MASK]']) // [{text:'a ',added:false},{text:'[MASK]',added:true},{text:' b',added:false}]
 */
export function splitAddedTokens(text: string, added: readonly string[]): { text: string; added: boolean }[] {
  const tokens = added.filter((t) => t.length > 0);
  if (tokens.length === 0) return text ? [{ text, added: false }] : [];
  const sorted = [...new Set(tokens)].sort((a, b) => b.length - a.length);
  const starts = new Set(sorted.map((t) => t[0]));
  const out: { text: string; added: boolean }[] = [];
  let plain = '';
  let i = 0;
  while (i < text.length) {
    const hit = starts.has(text[i]) ? sorted.find((t) => text.startsWith(t, i)) : undefined;
    if (hit) {
      if (plain) out.push({ text: plain, added: false });
      plain = '';
      out.push({ text: hit, added: true });
      i += hit.length;
    } else {
      plain += text[i];
      i += 1;
    }
  }
  if (plain) out.push({ text: plain, added: false });
  return out;
}
