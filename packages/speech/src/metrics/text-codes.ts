/**
 * Texts travel to metrics as rows of Unicode code points: core's `Metric.update` takes numbers,
 * and a code-point row is the text itself, so a text metric needs no vocabulary to find
 * characters or word boundaries.
 *
 * @example
 * textToCodes('hé y'); // [104, 233, 32, 121]
 */
export function textToCodes(text: string): number[] {
  return Array.from(text, (c) => c.codePointAt(0) as number);
}

/** The text of a code-point row (`textToCodes`' inverse). */
export function codesToText(codes: ArrayLike<number>): string {
  let text = '';
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i] as number;
    if (!Number.isInteger(c) || c < 0 || c > 0x10ffff) {
      throw new Error(
        `codesToText: ${c} at index ${i} is not a Unicode code point (texts travel as code points)`,
      );
    }
    text += String.fromCodePoint(c);
  }
  return text;
}
