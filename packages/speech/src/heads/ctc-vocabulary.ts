import * as fs from 'node:fs/promises';
import { UserError } from '@peftkit/core';

/** The special tokens of a wav2vec2-style character vocabulary (HF `Wav2Vec2CTCTokenizer` defaults). */
export interface CtcTokens {
  /** The CTC blank, HF's `pad_token` (default `<pad>`). */
  readonly blank: string;
  /** Stands for a space between words (default `|`). */
  readonly wordDelimiter: string;
  /** Replaces characters outside the vocabulary (default `<unk>`). */
  readonly unk: string;
}

export const DEFAULT_CTC_TOKENS: CtcTokens = { blank: '<pad>', wordDelimiter: '|', unk: '<unk>' };

/** `<s>`, `</s>`, `<pad>`, `<unk>`, `[PAD]`, `[UNK]`: tokens that never appear in a transcript. */
const SPECIAL = /^(<[^<>\s]+>|\[[A-Z]+\])$/;

/**
 * A CTC output vocabulary: the run's label set, one token per output class, in class-id order.
 * Characters are single tokens; whitespace is the word delimiter; the blank is a class of its own.
 *
 * @example
 * const vocab = new CtcVocabulary(['<pad>', '<unk>', '|', 'a', 'b']);
 * vocab.encode('ab a'); // [3, 4, 2, 3]
 * vocab.decode(vocab.collapse([3, 3, 0, 3, 2, 2, 4])); // 'aa b'
 */
export class CtcVocabulary {
  readonly tokens: readonly string[];
  readonly blankId: number;
  /** Class of the word delimiter, or undefined when the vocabulary has none (spaces are then tokens). */
  readonly delimiterId: number | undefined;
  readonly unkId: number | undefined;
  readonly specials: CtcTokens;
  private readonly ids: ReadonlyMap<string, number>;

  constructor(tokens: readonly string[], specials: Partial<CtcTokens> = {}) {
    this.specials = { ...DEFAULT_CTC_TOKENS, ...specials };
    this.tokens = tokens;
    const ids = new Map<string, number>();
    tokens.forEach((t, i) => {
      if (ids.has(t))
        throw new Error(`CTC vocabulary: token '${t}' appears twice (ids ${ids.get(t)} and ${i})`);
      ids.set(t, i);
    });
    this.ids = ids;
    const blank = ids.get(this.specials.blank);
    if (blank === undefined) {
      throw new Error(
        `CTC vocabulary: no blank token '${this.specials.blank}' among ${tokens.length} labels (${preview(tokens)})`,
      );
    }
    if (tokens.length < 2) throw new Error('CTC vocabulary: needs the blank and at least one other token');
    this.blankId = blank;
    this.delimiterId = ids.get(this.specials.wordDelimiter);
    this.unkId = ids.get(this.specials.unk);
  }

  get size(): number {
    return this.tokens.length;
  }

  /**
   * Class ids of a transcript: one per character, runs of whitespace as one word delimiter (none
   * at the ends). A character outside the vocabulary becomes `<unk>` and is reported to
   * `onUnknown`; without `<unk>` it is an error.
   */
  encode(text: string, onUnknown?: (char: string) => void): number[] {
    const out: number[] = [];
    const words = text
      .trim()
      .split(/\s+/u)
      .filter((w) => w.length > 0);
    words.forEach((word, w) => {
      if (w > 0) out.push(this.delimiterId ?? this.charId(' ', onUnknown));
      for (const ch of word) out.push(this.charId(ch, onUnknown));
    });
    return out;
  }

  /** CTC collapse of frame-wise class ids: repeats merged, then blanks dropped. */
  collapse(frameIds: ArrayLike<number>, length = frameIds.length): number[] {
    const out: number[] = [];
    let prev = -1;
    for (let t = 0; t < length; t++) {
      const id = frameIds[t] as number;
      if (id !== prev && id !== this.blankId) out.push(id);
      prev = id;
    }
    return out;
  }

  /**
   * The text of class ids (already collapsed): the word delimiter becomes a space, special tokens
   * (`<s>`, `<unk>`, ...) are skipped as HF's ASR pipeline does, and whitespace is trimmed and
   * single. Ids outside the vocabulary are an error.
   */
  decode(ids: ArrayLike<number>): string {
    let text = '';
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      const token = this.tokens[id];
      if (token === undefined) throw new Error(`CTC vocabulary: class id ${id} is outside [0, ${this.size})`);
      if (id === this.delimiterId) text += ' ';
      else if (id !== this.blankId && !SPECIAL.test(token)) text += token;
    }
    return text.trim().replace(/\s+/gu, ' ');
  }

  /** HF `vocab.json` content: `{ token: id }`. */
  toHfJson(): Record<string, number> {
    return Object.fromEntries(this.tokens.map((t, i) => [t, i]));
  }

  private charId(ch: string, onUnknown?: (char: string) => void): number {
    const id = this.ids.get(ch);
    if (id !== undefined) return id;
    if (this.unkId === undefined) {
      throw new Error(
        `CTC vocabulary: character '${ch}' is not in the vocabulary and it has no '${this.specials.unk}'`,
      );
    }
    onUnknown?.(ch);
    return this.unkId;
  }
}

/**
 * A character vocabulary from transcripts, wav2vec2 style: `<pad>` (blank, id 0), `<unk>`, `|`
 * (word delimiter), then every non-space character seen, in code-point order. Normalise case and
 * punctuation before, as the vocabulary keeps what it sees.
 *
 * @example
 * buildCharVocabulary(['hello world', 'hi']); // ['<pad>', '<unk>', '|', 'd', 'e', 'h', 'i', 'l', 'o', 'r', 'w']
 */
export function buildCharVocabulary(texts: Iterable<string>, specials: Partial<CtcTokens> = {}): string[] {
  const s = { ...DEFAULT_CTC_TOKENS, ...specials };
  const chars = new Set<string>();
  for (const text of texts) for (const ch of text) if (!/\s/u.test(ch)) chars.add(ch);
  for (const t of [s.blank, s.unk, s.wordDelimiter]) chars.delete(t);
  const sorted = [...chars].sort((a, b) => (a.codePointAt(0) as number) - (b.codePointAt(0) as number));
  return [s.blank, s.unk, s.wordDelimiter, ...sorted];
}

/**
 * Labels from an HF `vocab.json` object (`{ token: id }`), in id order. Ids must be 0..n-1, each once.
 * `where` names the source in errors.
 */
export function vocabularyFromHfJson(json: unknown, where: string): string[] {
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw new UserError(`${where}: expected a JSON object of token -> id (HF vocab.json)`);
  }
  const entries = Object.entries(json as Record<string, unknown>);
  const tokens: string[] = new Array(entries.length);
  for (const [token, id] of entries) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= entries.length) {
      throw new UserError(
        `${where}: token '${token}' has id ${JSON.stringify(id)}; ids must be 0..${entries.length - 1}`,
      );
    }
    if (tokens[id] !== undefined)
      throw new UserError(`${where}: id ${id} is used by '${tokens[id]}' and '${token}'`);
    tokens[id] = token;
  }
  return tokens;
}

/** Reads an HF `vocab.json` file into labels (id order); a user error names the file. */
export async function readHfVocabulary(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new UserError(`${file}: cannot read the vocabulary: ${(err as Error).message}`, 2, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: not valid JSON: ${(err as Error).message}`, 2, { cause: err });
  }
  return vocabularyFromHfJson(json, file);
}

function preview(tokens: readonly string[]): string {
  const shown = tokens.slice(0, 6).join(', ');
  return tokens.length > 6 ? `${shown}, ...` : shown;
}
