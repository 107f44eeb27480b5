import { joinWithByteFallback, pieceByte } from './byte-fallback.js';
import { isRecord } from './json-fields.js';
import { type MetaspaceOptions, metaspaceFromJson } from './metaspace.js';
import { replacePattern } from './sp-normalizer.js';

/** Pieces -> text, as a `tokenizer.json` `decoder` entry says. */
export type PieceDecoder = (pieces: readonly string[]) => string;

type Step = (tokens: string[]) => string[];

function byteFallbackStep(tokens: string[]): string[] {
  const out: string[] = [];
  let run: string[] = [];
  const flush = () => {
    if (run.length) out.push(joinWithByteFallback(run));
    run = [];
  };
  for (const t of tokens) {
    if (pieceByte(t) !== undefined) run.push(t);
    else {
      flush();
      out.push(t);
    }
  }
  flush();
  return out;
}

function metaspaceStep(m: MetaspaceOptions): Step {
  return (tokens) =>
    tokens.map((t, i) => {
      const s = t.replaceAll(m.replacement, ' ');
      return i === 0 && m.prependScheme !== 'never' && s.startsWith(' ') ? s.slice(1) : s;
    });
}

function step(d: unknown, where: string): Step {
  if (!isRecord(d)) throw new Error(`${where}: decoder must be an object`);
  switch (d['type']) {
    case 'Metaspace':
      return metaspaceStep(metaspaceFromJson(d, where));
    case 'ByteFallback':
      return byteFallbackStep;
    case 'Fuse':
      return (tokens) => [tokens.join('')];
    case 'Replace': {
      const pattern = replacePattern(d, where);
      const content = typeof d['content'] === 'string' ? d['content'] : '';
      return (tokens) => tokens.map((t) => t.replace(pattern, () => content));
    }
    case 'Strip': {
      const content = typeof d['content'] === 'string' ? d['content'] : ' ';
      const start = typeof d['start'] === 'number' ? d['start'] : 0;
      const stop = typeof d['stop'] === 'number' ? d['stop'] : 0;
      return (tokens) =>
        tokens.map((t) => {
          const chars = Array.from(t);
          let a = 0;
          while (a < start && chars[a] === content) a++;
          let b = chars.length;
          while (chars.length - b < stop && b > a && chars[b - 1] === content) b--;
          return chars.slice(a, b).join('');
        });
    }
    case 'Sequence': {
      const list = d['decoders'];
      if (!Array.isArray(list)) throw new Error(`${where}: Sequence needs a 'decoders' array`);
      const steps = list.map((s, i) => step(s, `${where} decoders[${i}]`));
      return (tokens) => steps.reduce((acc, f) => f(acc), tokens);
    }
    default:
      throw new Error(
        `${where}: decoder '${String(d['type'])}' is not supported for SentencePiece models (Metaspace, ByteFallback, Fuse, Replace, Strip, Sequence)`,
      );
  }
}

/**
 * The decoder of a SentencePiece-style `tokenizer.json`. Byte pieces are always turned back into
 * text first (a `Metaspace` decoder alone would print `<0xE6>`), then the entry's steps run; a
 * null decoder uses the pre-tokenizer's Metaspace settings when there are any.
 */
export function pieceDecoderFromJson(
  d: unknown,
  pre: MetaspaceOptions | undefined,
  where: string,
): PieceDecoder {
  const steps: Step[] = [byteFallbackStep];
  if (d !== null && d !== undefined) steps.push(step(d, `${where} decoder`));
  else if (pre) steps.push(metaspaceStep(pre));
  return (pieces) => steps.reduce((acc, f) => f(acc), [...pieces]).join('');
}
