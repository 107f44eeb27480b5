/**
 * A token vocabulary: ids are positions, tokens are unique. Built from a `vocab.txt` (one token
 * per line, id = line number), a `vocab.json` (`{token: id}`), or a list.
 *
 * @example
 * const v = Vocab.fromLines(['[PAD]', '[UNK]', 'hello']);
 * v.id('hello'); // 2
 */
export class Vocab {
  private readonly byToken: Map<string, number>;
  private readonly byId: string[];

  private constructor(tokens: string[]) {
    this.byId = tokens;
    this.byToken = new Map();
    tokens.forEach((t, i) => {
      if (this.byToken.has(t))
        throw new Error(`Vocab: token '${t}' appears twice (ids ${this.byToken.get(t)} and ${i})`);
      this.byToken.set(t, i);
    });
  }

  /** Tokens in id order. */
  static fromLines(tokens: readonly string[]): Vocab {
    return new Vocab([...tokens]);
  }

  /**
   * Parses a `vocab.txt`: one token per line, as `transformers`' `load_vocab` reads it (only the
   * line break is removed; a final newline does not add an empty token).
   */
  static parseVocabTxt(text: string, source = 'vocab.txt'): Vocab {
    const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    if (lines.length === 0) throw new Error(`${source}: empty vocabulary`);
    try {
      return new Vocab(lines);
    } catch (err) {
      throw new Error(`${source}: ${(err as Error).message}`);
    }
  }

  /** A `{token: id}` object (`vocab.json`, `tokenizer.json`'s `model.vocab`); ids must be 0..n-1. */
  static fromObject(map: Readonly<Record<string, number>>, source = 'vocab.json'): Vocab {
    const entries = Object.entries(map);
    const tokens = new Array<string | undefined>(entries.length);
    for (const [token, id] of entries) {
      if (!Number.isInteger(id) || id < 0 || id >= entries.length) {
        throw new Error(`${source}: token '${token}' has id ${id}, outside [0, ${entries.length})`);
      }
      if (tokens[id] !== undefined)
        throw new Error(`${source}: id ${id} is used by '${tokens[id]}' and '${token}'`);
      tokens[id] = token;
    }
    return new Vocab(tokens as string[]);
  }

  get size(): number {
    return this.byId.length;
  }

  has(token: string): boolean {
    return this.byToken.has(token);
  }

  /** The id of `token`, or undefined. */
  id(token: string): number | undefined {
    return this.byToken.get(token);
  }

  /** The token of `id`, or undefined when out of range. */
  token(id: number): string | undefined {
    return this.byId[id];
  }

  /** Tokens in id order (a copy). */
  tokens(): string[] {
    return [...this.byId];
  }

  /** A new vocabulary with `tokens` appended (those already present are skipped). */
  extend(tokens: readonly string[]): Vocab {
    const add = tokens.filter((t, i) => !this.byToken.has(t) && tokens.indexOf(t) === i);
    return new Vocab([...this.byId, ...add]);
  }

  /** `vocab.txt` text: one token per line, with a final newline. */
  toVocabTxt(): string {
    return `${this.byId.join('\n')}\n`;
  }

  /** `{token: id}`, for `vocab.json` and `tokenizer.json`. */
  toObject(): Record<string, number> {
    const out: Record<string, number> = {};
    this.byId.forEach((t, i) => {
      out[t] = i;
    });
    return out;
  }
}
