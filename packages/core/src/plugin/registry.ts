import { didYouMean } from '../common/close-matches.js';
import type { Attributed } from './contributions.js';
import { UserError } from './user-error.js';

/** An id that names no contribution; the message lists close matches and what is known. */
export class UnknownContributionError extends UserError {
  override readonly name = 'UnknownContributionError';
  constructor(
    readonly noun: string,
    readonly id: string,
    readonly known: readonly string[],
  ) {
    super(unknownMessage(noun, id, known));
  }
}

function unknownMessage(noun: string, id: string, known: readonly string[]): string {
  if (known.length === 0) {
    return `unknown ${noun} '${id}': no ${noun}s are installed (install a domain plugin or pass --plugin <path>)`;
  }
  const shown =
    known.length > 12 ? `${known.slice(0, 12).join(', ')}, ... (${known.length} in all)` : known.join(', ');
  return `unknown ${noun} '${id}'${didYouMean(id, known)}; known ${noun}s: ${shown}`;
}

/**
 * Read-only lookup of one kind of contribution by id, with the plugin that made each. Lookups
 * of unknown ids fail with close matches (`unknown preset 'nlp/sentimnt' (did you mean
 * 'nlp/sentiment'?)`).
 *
 * @example
 * const preset = host.presets.get('tabular/classification');
 * host.presets.pluginOf(preset.id); // 'tabular'
 */
export class Registry<T> {
  constructor(
    /** Singular noun used in messages. */
    readonly noun: string,
    private readonly entries: ReadonlyMap<string, Attributed<T>>,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** The contribution with `id`; throws `UnknownContributionError` listing close matches. */
  get(id: string): T {
    const e = this.entries.get(id);
    if (!e) throw new UnknownContributionError(this.noun, id, this.ids());
    return e.value;
  }

  find(id: string): T | undefined {
    return this.entries.get(id)?.value;
  }

  /** Id of the plugin that contributed `id`. */
  pluginOf(id: string): string | undefined {
    return this.entries.get(id)?.plugin;
  }

  /** Ids, sorted. */
  ids(): string[] {
    return [...this.entries.keys()].sort();
  }

  /** Contributions sorted by id. */
  values(): T[] {
    return this.ids().map((id) => (this.entries.get(id) as Attributed<T>).value);
  }

  /** Contributions with their plugins, sorted by id. */
  list(): Attributed<T>[] {
    return this.ids().map((id) => this.entries.get(id) as Attributed<T>);
  }
}
