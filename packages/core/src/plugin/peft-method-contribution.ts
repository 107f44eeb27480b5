import type { PeftConfig } from '../peft/config.js';
import type { PeftMethod } from '../peft/method.js';

/**
 * Contribution point for PEFT methods beyond core's built-ins (`LORA`, `IA3`, ...):
 * `bind(PeftMethodContribution).toConstantValue(method)`. The host makes them available to its
 * runs (`host.peftMethods`), unlike `registerPeftMethod`, which changes the whole process.
 */
export const PeftMethodContribution = Symbol.for('peftkit.PeftMethodContribution');

/**
 * A `PeftMethod` with a description for `peftkit plugins` / `peftkit doctor`. Its `peftType`
 * (upper case, as HF's `peft_type`) must not be a built-in one nor another plugin's; the host
 * reports a clash naming both plugins and leaves the later plugin out.
 *
 * @example
 * bind(PeftMethodContribution).toConstantValue({ ...featureAffineMethod, description: 'per-feature scale and shift' });
 */
export interface PeftMethodContribution<C extends PeftConfig = PeftConfig> extends PeftMethod<C> {
  readonly description: string;
}

/** Shape problems beyond the generic checks: the config spec must be for this method. */
export function peftMethodProblems(value: unknown): string[] {
  const m = value as Partial<PeftMethodContribution> | null;
  const spec = m?.config as { peftType?: unknown; parse?: unknown } | undefined;
  if (!spec || typeof spec !== 'object') return [];
  const out: string[] = [];
  if (typeof spec.parse !== 'function') out.push("'config.parse' must be a function (use defineConfig)");
  if (typeof m?.peftType === 'string' && m.peftType !== m.peftType.toUpperCase())
    out.push(`'peftType' must be upper case, got '${m.peftType}'`);
  if (typeof m?.peftType === 'string' && spec.peftType !== m.peftType)
    out.push(`'config.peftType' is '${String(spec.peftType)}', expected '${m.peftType}'`);
  return out;
}
