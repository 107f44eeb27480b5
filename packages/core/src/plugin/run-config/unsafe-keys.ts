import { isPlainObject } from '../json.js';
import { UserError } from '../user-error.js';

/** Keys that would reach `Object.prototype` (or a constructor) when merged into a plain object. */
export const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Throws a one-line `UserError` when `value` has a key named `__proto__`, `constructor` or
 * `prototype` at any depth: merged into a config object such a key would swap its prototype
 * (silently dropping a preset's fields) instead of setting a field.
 */
export function assertNoUnsafeKeys(value: unknown, where: string, at: readonly string[] = []): void {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) assertNoUnsafeKeys(v, where, [...at, String(i)]);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const key of Object.keys(value)) {
    const p = [...at, key];
    if (UNSAFE_KEYS.has(key)) {
      throw new UserError(`${where}: '${p.join('.')}' is not allowed (the key '${key}' is reserved)`);
    }
    assertNoUnsafeKeys(value[key], where, p);
  }
}
