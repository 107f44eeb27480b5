import type { PeftConfig } from './config.js';
import type { PeftMethod } from './method.js';

const methods = new Map<string, PeftMethod>();

/**
 * Registers a PEFT method under its `peftType`. A second registration of the same type is an
 * error unless `{ override: true }` (a silent overwrite would hide a plugin conflict).
 */
export function registerPeftMethod<C extends PeftConfig>(
  method: PeftMethod<C>,
  options: { override?: boolean } = {},
): void {
  const key = method.peftType.toUpperCase();
  if (methods.has(key) && !options.override) {
    throw new Error(`registerPeftMethod: peft type '${key}' is already registered`);
  }
  methods.set(key, method as unknown as PeftMethod);
}

/** The method for `peftType` (case-insensitive); the error lists the registered types. */
export function getPeftMethod(peftType: string): PeftMethod {
  const m = methods.get(String(peftType).toUpperCase());
  if (!m)
    throw new Error(`unknown peft type '${peftType}'; registered: ${listPeftMethods().join(', ') || 'none'}`);
  return m;
}

export function listPeftMethods(): string[] {
  return [...methods.keys()].sort();
}

export function hasPeftMethod(peftType: string): boolean {
  return methods.has(String(peftType).toUpperCase());
}

/**
 * Where a `PeftModel` finds methods by `peftType` (case-insensitive). `registeredPeftMethods`
 * (the built-ins plus `registerPeftMethod`) is the default; a plugin host's `peftMethods` adds
 * the methods its plugins contribute.
 */
export interface PeftMethodLookup {
  /** The method for `peftType`; throws listing the known types. */
  get(peftType: string): PeftMethod;
  has(peftType: string): boolean;
  /** Every known type, upper case, sorted. */
  types(): string[];
}

/** The process-wide registry as a `PeftMethodLookup`. */
export const registeredPeftMethods: PeftMethodLookup = Object.freeze({
  get: getPeftMethod,
  has: hasPeftMethod,
  types: listPeftMethods,
});
