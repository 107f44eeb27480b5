/**
 * GPT-2's byte-level alphabet: each of the 256 byte values is shown as a printable Unicode
 * character, so every string has a lossless token spelling and no byte is ever unknown. The
 * printable Latin-1 bytes (`!`..`~`, `¡`..`¬`, `®`..`ÿ`) stand for themselves; the other 68
 * bytes map, in order, to U+0100, U+0101, ... (a space is `Ġ`, a newline `Ċ`).
 */

function buildTables(): { encoder: string[]; decoder: Map<string, number> } {
  const direct: number[] = [];
  const range = (a: number, b: number) => {
    for (let c = a; c <= b; c++) direct.push(c);
  };
  range(0x21, 0x7e);
  range(0xa1, 0xac);
  range(0xae, 0xff);
  const isDirect = new Set(direct);
  const encoder = new Array<string>(256);
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    encoder[b] = String.fromCodePoint(isDirect.has(b) ? b : 256 + shifted++);
  }
  const decoder = new Map(encoder.map((ch, b) => [ch, b] as const));
  return { encoder, decoder };
}

const TABLES = buildTables();

/** The printable character of each byte, indexed by byte value. */
export const BYTE_ENCODER: readonly string[] = TABLES.encoder;

/** Character -> byte, the inverse of `BYTE_ENCODER`. */
export const BYTE_DECODER: ReadonlyMap<string, number> = TABLES.decoder;

const UTF8 = new TextEncoder();

/** The byte-level spelling of `text` (UTF-8 bytes, each as its printable character). */
export function bytesToUnicode(text: string): string {
  let out = '';
  for (const b of UTF8.encode(text)) out += BYTE_ENCODER[b] as string;
  return out;
}

/**
 * Text from a byte-level spelling. Characters outside the alphabet (added tokens) are kept as
 * their UTF-8 bytes; invalid UTF-8 becomes U+FFFD, as Python's `errors="replace"`.
 */
export function unicodeToBytes(spelled: string): string {
  const bytes: number[] = [];
  for (const ch of spelled) {
    const b = BYTE_DECODER.get(ch);
    if (b !== undefined) bytes.push(b);
    else bytes.push(...UTF8.encode(ch));
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(Uint8Array.from(bytes));
}

/**
 * GPT-2's pre-tokenisation pattern: English contractions, a letter run, a digit run or a run of
 * other symbols (each with an optional leading space), and whitespace (trailing spaces stay
 * apart from the following word).
 */
export const GPT2_SPLIT_PATTERN =
  /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** Splits `text` with GPT-2's pattern. */
export function splitGpt2(text: string): string[] {
  return text.match(new RegExp(GPT2_SPLIT_PATTERN.source, 'gu')) ?? [];
}
