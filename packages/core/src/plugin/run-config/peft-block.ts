import { didYouMean } from '../../common/close-matches.js';
import type { PeftMethodLookup } from '../../peft/registry.js';
import { formatZodIssues } from './format-issues.js';
import { schemaKeysAt } from './schema-keys.js';

/**
 * Problems of a run config's `peft` block against its method's schema: an unknown `peftType`
 * (with close matches), unknown fields (`peft.loraAlpah is not a known field (did you mean
 * 'loraAlpha'?)`), wrong values. Empty for `'full'` and for blocks the run-config schema itself
 * rejects (no object, no `peftType`). The one check both `resolveRunConfig` (when given the
 * methods) and `validatePluginParts` run, so a typo fails before any data is read or model built.
 */
export function peftBlockProblems(
  peft: unknown,
  methods: PeftMethodLookup,
): { path: readonly PropertyKey[]; text: string }[] {
  if (peft === null || typeof peft !== 'object' || Array.isArray(peft)) return [];
  const type = (peft as { peftType?: unknown }).peftType;
  if (typeof type !== 'string' || type === '') return [];
  if (!methods.has(type)) {
    const known = methods.types();
    return [
      {
        path: ['peft', 'peftType'],
        text: `peft.peftType: unknown PEFT method '${type}'${didYouMean(type.toUpperCase(), known)}; known: ${known.join(', ')}`,
      },
    ];
  }
  const spec = methods.get(type).config;
  const r = spec.schema.safeParse({ ...peft, peftType: spec.peftType });
  if (r.success) return [];
  return formatZodIssues(r.error.issues, { peft }, ['peft'], (q) => schemaKeysAt(spec.schema, q.slice(1)));
}
