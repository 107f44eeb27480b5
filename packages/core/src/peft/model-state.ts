import type { AnyModule } from '../nn/index.js';

/**
 * State a PEFT method keeps per adapted model (the in-place methods' original values and
 * stashes), held on the model itself under `key` rather than in a module-level map: it lives and
 * dies with the model, anyone holding the model can see it (`getModelState`), and it is a
 * non-enumerable property, so `Module.clone()` (which copies enumerable fields) does not share it
 * with the copy, whose parameters are new. Use a `Symbol.for('<package>.<method>')` key.
 *
 * @example
 * const KEY = Symbol.for('my-plugin.scale-state');
 * const state = getModelState<MyState>(ctx.model, KEY) ?? setModelState(ctx.model, KEY, fresh());
 */
export function getModelState<T>(model: AnyModule, key: symbol): T | undefined {
  return (model as unknown as Record<symbol, T | undefined>)[key];
}

/** Stores `state` on `model` under `key` (`undefined` removes it); returns `state`. */
export function setModelState<T>(model: AnyModule, key: symbol, state: T): T {
  if (state === undefined) {
    delete (model as unknown as Record<symbol, unknown>)[key];
  } else {
    Object.defineProperty(model, key, {
      value: state,
      configurable: true,
      writable: true,
      enumerable: false,
    });
  }
  return state;
}
