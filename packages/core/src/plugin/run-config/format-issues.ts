import type { z } from 'zod';
import { didYouMean } from '../../common/close-matches.js';

type Issue = z.core.$ZodIssue;

/** The value at `path` in `root`, or undefined. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `'${v.length > 40 ? `${v.slice(0, 40)}...` : v}'`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function bound(
  issue: { minimum?: unknown; maximum?: unknown; inclusive?: boolean; origin?: string },
  small: boolean,
): string {
  const n = String(small ? issue.minimum : issue.maximum);
  if (issue.origin === 'string')
    return small ? `must have at least ${n} character(s)` : `must have at most ${n} character(s)`;
  if (issue.origin === 'array')
    return small ? `must have at least ${n} item(s)` : `must have at most ${n} item(s)`;
  const op = small ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
  return `must be ${op} ${n}`;
}

/** A phrase for one issue, meant to follow its path: `must be > 0`, `is required`. */
function phrase(issue: Issue, root: unknown, base: readonly PropertyKey[]): string {
  const value = valueAt(root, [...base, ...issue.path]);
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined) return 'is required';
      if (issue.expected === 'int') return `must be an integer, got ${describe(value)}`;
      return `must be ${article(issue.expected)}, got ${describe(value)}`;
    case 'too_small':
      return bound(issue, true);
    case 'too_big':
      return bound(issue, false);
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(value)}${
        typeof value === 'string' ? didYouMean(value, issue.values.map(String)) : ''
      }`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'invalid_format':
      if (issue.format === 'regex') {
        // A schema's own message reads as a phrase ("must be a role name: ..."); else the pattern.
        const rule = issue.message.startsWith('must ') ? issue.message : `must match ${issue.pattern}`;
        return `${rule}, got ${describe(value)}`;
      }
      return `must be a valid ${issue.format}`;
    default:
      return issue.message;
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/**
 * Formats zod issues as `<path> <phrase>` lines (`training.lr must be > 0`), reading the actual
 * values from `root` to say what was given. Unknown keys get a "did you mean" from the allowed
 * keys of `knownKeys(path)`; for unions the branch that matches the value's kind explains it.
 *
 * @param base path prefix of `root`-relative issue paths (e.g. `['model', 'config']` when a
 *   plugin schema validated `model.config`).
 */
export function formatZodIssues(
  issues: readonly Issue[],
  root: unknown,
  base: readonly PropertyKey[] = [],
  knownKeys?: (path: readonly PropertyKey[]) => readonly string[],
): { path: PropertyKey[]; text: string }[] {
  const out: { path: PropertyKey[]; text: string }[] = [];
  for (const issue of issues) {
    const path = [...base, ...issue.path];
    const name = path.length ? path.map(String).join('.') : '(config)';
    if (issue.code === 'unrecognized_keys') {
      const allowed = knownKeys?.(path) ?? [];
      for (const key of issue.keys) {
        out.push({
          path: [...path, key],
          text: `${name === '(config)' ? '' : `${name}.`}${key} is not a known field${didYouMean(key, allowed)}`,
        });
      }
      continue;
    }
    if (issue.code === 'invalid_union') {
      const value = valueAt(root, path);
      // A branch that only says "not this kind" at the union's own path did not match the value's kind.
      const kindOnly = (b: readonly Issue[]) =>
        b.length === 1 && b[0]!.path.length === 0 && ['invalid_type', 'invalid_value'].includes(b[0]!.code);
      const objectBranch =
        issue.errors.find((b) => b.length > 0 && b.every((i) => i.path.length > 0)) ??
        issue.errors.find((b) => b.length > 0 && !kindOnly(b));
      if (value !== null && typeof value === 'object' && objectBranch) {
        out.push(...formatZodIssues(objectBranch, root, path, knownKeys));
        continue;
      }
      if (issue.errors.length > 0 && issue.errors.every(kindOnly)) {
        const kinds = issue.errors.map(([i]) =>
          i!.code === 'invalid_type'
            ? article(i!.expected)
            : i!.code === 'invalid_value'
              ? i!.values.map((v) => JSON.stringify(v)).join(' or ')
              : '',
        );
        out.push({ path, text: `${name} must be ${kinds.join(' or ')}, got ${describe(value)}` });
        continue;
      }
    }
    out.push({ path, text: `${name} ${phrase(issue, root, base)}` });
  }
  return out;
}
