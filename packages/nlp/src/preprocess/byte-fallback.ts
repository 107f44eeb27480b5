/**
 * SentencePiece byte fallback: a character the vocabulary lacks is spelled as its UTF-8 bytes,
 * each the piece `<0xXX>` (upper-case hex), when the model has all 256 byte pieces.
 */

const UTF8 = new TextEncoder();
const BYTE_PIECE = /^<0x([0-9A-F]{2})>$/;

/** The byte pieces of `text` (`'é'` -> `['<0xC3>', '<0xA9>']`). */
export function bytePieces(text: string): string[] {
  return Array.from(UTF8.encode(text), (b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
}

/** The byte a piece stands for, or undefined when it is not a byte piece. */
export function pieceByte(piece: string): number | undefined {
  const m = BYTE_PIECE.exec(piece);
  return m ? Number.parseInt(m[1] as string, 16) : undefined;
}

/**
 * Joins pieces, turning each run of byte pieces back into text; invalid UTF-8 becomes U+FFFD
 * for each byte, as HF's `ByteFallback` decoder does.
 */
export function joinWithByteFallback(pieces: readonly string[]): string {
  let out = '';
  let bytes: number[] = [];
  const flush = () => {
    if (bytes.length === 0) return;
    try {
      out += new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
    } catch {
      out += '\uFFFD'.repeat(bytes.length);
    }
    bytes = [];
  };
  for (const p of pieces) {
    const b = pieceByte(p);
    if (b === undefined) {
      flush();
      out += p;
    } else bytes.push(b);
  }
  flush();
  return out;
}
