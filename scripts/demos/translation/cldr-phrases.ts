import * as fs from 'node:fs/promises';
import { createRequire } from 'node:module';

/** One English phrase and its German translation. */
export interface PhrasePair {
  readonly source: string;
  readonly target: string;
}

const require = createRequire(import.meta.url);

/** A CLDR JSON file of `pkg` for `locale`, down to `main.<locale>`. */
async function cldrMain(pkg: string, locale: string, file: string): Promise<Record<string, unknown>> {
  const where = require.resolve(`${pkg}/main/${locale}/${file}`);
  const json = JSON.parse(await fs.readFile(where, 'utf8')) as {
    main: Record<string, Record<string, unknown>>;
  };
  const main = json.main[locale];
  if (!main) throw new Error(`${where}: no main.${locale}`);
  return main;
}

/** `obj.a.b.c` as a record of strings (nested records kept), or an error naming the path. */
function at(obj: unknown, keys: readonly string[], what: string): Record<string, unknown> {
  let cur = obj;
  for (const k of keys) cur = (cur as Record<string, unknown> | undefined)?.[k];
  if (!cur || typeof cur !== 'object') throw new Error(`CLDR ${what}: missing ${keys.join('.')}`);
  return cur as Record<string, unknown>;
}

/**
 * Pairs of the same key in two flat string tables. Alternative forms (`-alt-short`, `-alt-variant`)
 * and rows whose text holds a tab, quote, newline or an unfilled `{0}` pattern are left out; a repeated English phrase keeps
 * its first German one, so every source has one reference.
 */
function zip(en: Record<string, unknown>, de: Record<string, unknown>, into: Map<string, string>): void {
  for (const [key, source] of Object.entries(en)) {
    const target = de[key];
    if (key.includes('-alt-') || typeof source !== 'string' || typeof target !== 'string') continue;
    if (/[\t\n"{}]/.test(source + target) || !source.trim() || !target.trim()) continue;
    if (!into.has(source)) into.set(source, target);
  }
}

const pairs = (m: Map<string, string>): PhrasePair[] =>
  [...m].map(([source, target]) => ({ source, target }));

/** Numbers `{0}` is filled with in the unit patterns ("{0} hours"). */
const UNIT_COUNTS_OTHER = [2, 3, 5, 10, 24, 100] as const;

/**
 * Fills a pattern pair's `{0}` with each number, adding the filled pairs to `into` (pairs whose
 * pattern is missing on either side are left out).
 */
function fillPatterns(s: unknown, t: unknown, numbers: readonly number[], into: Map<string, string>): void {
  if (typeof s !== 'string' || typeof t !== 'string') return;
  for (const n of numbers) {
    const fill = (p: string) => p.replace('{0}', String(n));
    zip({ x: fill(s) }, { x: fill(t) }, into);
  }
}

/**
 * The base's domain: English -> German measurements from `cldr-units-full` (the long forms):
 * each unit's name ("kilometers" -> "Kilometer") and its patterns filled with numbers
 * ("1 hour" -> "1 Stunde", "24 hours" -> "24 Stunden").
 */
export async function unitPhrasePairs(): Promise<PhrasePair[]> {
  const out = new Map<string, string>();
  const units = async (l: string) =>
    at(await cldrMain('cldr-units-full', l, 'units.json'), ['units', 'long'], 'units');
  const [en, de] = [await units('en'), await units('de')];
  for (const [name, enUnit] of Object.entries(en)) {
    const e = enUnit as Record<string, unknown>;
    const d = (de[name] ?? {}) as Record<string, unknown>;
    // Prefix and power patterns ("milli{0}", "square {0}") are parts of words, not phrases.
    if (typeof e['unitPattern-count-one'] !== 'string') continue;
    zip({ x: e['displayName'] }, { x: d['displayName'] }, out);
    fillPatterns(e['unitPattern-count-one'], d['unitPattern-count-one'], [1], out);
    fillPatterns(e['unitPattern-count-other'], d['unitPattern-count-other'], UNIT_COUNTS_OTHER, out);
  }
  return pairs(out);
}

/** Numbers `{0}` is filled with in the relative-time patterns ("in {0} days"). */
const COUNTS_OTHER = [2, 3, 5, 10, 24] as const;

/**
 * The new domain: English -> German date phrases from `cldr-dates-full`: month, weekday,
 * quarter and day-period names of the Gregorian calendar, and the long date fields' names,
 * relative phrases ("next week" -> "nächste Woche") and relative-time patterns filled with
 * numbers ("in 3 days" -> "in 3 Tagen", "1 hour ago" -> "vor 1 Stunde").
 */
export async function datePhrasePairs(): Promise<PhrasePair[]> {
  const out = new Map<string, string>();
  const greg = async (l: string) =>
    at(
      await cldrMain('cldr-dates-full', l, 'ca-gregorian.json'),
      ['dates', 'calendars', 'gregorian'],
      'gregorian',
    );
  const [en, de] = [await greg('en'), await greg('de')];
  for (const table of ['months', 'days', 'quarters', 'dayPeriods']) {
    const path = [table, 'format', 'wide'];
    zip(at(en, path, table), at(de, path, table), out);
  }
  const fields = async (l: string) =>
    at(await cldrMain('cldr-dates-full', l, 'dateFields.json'), ['dates', 'fields'], 'dateFields');
  const [enFields, deFields] = [await fields('en'), await fields('de')];
  for (const [name, enField] of Object.entries(enFields)) {
    // The long forms only: "-short" / "-narrow" are abbreviations ("yr.", "Mo.").
    if (/-(short|narrow)$/.test(name)) continue;
    const e = enField as Record<string, unknown>;
    const d = (deFields[name] ?? {}) as Record<string, unknown>;
    zip(e, d, out);
    for (const tense of ['relativeTime-type-future', 'relativeTime-type-past']) {
      const ep = (e[tense] ?? {}) as Record<string, unknown>;
      const dp = (d[tense] ?? {}) as Record<string, unknown>;
      for (const [count, numbers] of [
        ['one', [1]],
        ['other', COUNTS_OTHER],
      ] as const) {
        const key = `relativeTimePattern-count-${count}`;
        fillPatterns(ep[key], dp[key], numbers, out);
      }
    }
  }
  return pairs(out);
}
