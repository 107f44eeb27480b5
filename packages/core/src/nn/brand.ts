const BRAND = Symbol.for('peftkit.brand');

type Branded = { readonly [BRAND]?: symbol };

/**
 * Gives a class a process-wide identity (`Symbol.for('peftkit.<id>')`) so `instanceof` also
 * recognises instances made by another copy of the same class, as happens when a plugin resolves
 * its own copy of `@peftkit/core`. Only classes branded here match across copies.
 */
export function brandClass(cls: abstract new (...args: never[]) => unknown, id: string): void {
  Object.defineProperty(cls, BRAND, { value: Symbol.for(`peftkit.${id}`) });
}

/**
 * `value instanceof cls`, falling back to the brand: true when some class on `value`'s prototype
 * chain carries the same brand as `cls`.
 */
export function isBrandedInstance(cls: abstract new (...args: never[]) => unknown, value: unknown): boolean {
  if (Function.prototype[Symbol.hasInstance].call(cls, value)) return true;
  if (value === null || typeof value !== 'object' || !Object.hasOwn(cls, BRAND)) return false;
  const brand = (cls as Branded)[BRAND];
  for (let proto = Object.getPrototypeOf(value); proto; proto = Object.getPrototypeOf(proto)) {
    const ctor = (proto as { constructor?: Branded }).constructor;
    if (ctor && Object.hasOwn(ctor, BRAND) && ctor[BRAND] === brand) return true;
  }
  return false;
}
