import { roleDeclarationProblems } from '../peft/roles.js';
import { Architecture } from './architecture.js';
import { DatasetReader } from './dataset-reader.js';
import { Evaluator } from './evaluator.js';
import { Head } from './head.js';
import { MetricContribution } from './metric-contribution.js';
import { PeftMethodContribution, peftMethodProblems } from './peft-method-contribution.js';
import { PlacementContribution } from './placement-contribution.js';
import { Preprocessor } from './preprocessor.js';
import { Preset } from './preset.js';

/** Every kind of contribution a plugin can make, by registry name. */
export interface Contributions {
  readers: DatasetReader;
  preprocessors: Preprocessor;
  architectures: Architecture;
  heads: Head;
  placements: PlacementContribution;
  presets: Preset;
  metrics: MetricContribution;
  methods: PeftMethodContribution;
  evaluators: Evaluator;
}

export type ContributionKind = keyof Contributions;

/** One contribution point: its identifier, how to name and identify a contribution, and its shape. */
export interface ContributionPoint<T> {
  readonly kind: ContributionKind;
  readonly identifier: symbol;
  /** Singular noun for messages (`preset`, `dataset reader`). */
  readonly noun: string;
  /** The key that must be unique across plugins. */
  idOf(contribution: T): string;
  /** Shape problems of a bound value (empty = valid); caught at load, not at first use. */
  problems(value: unknown): string[];
}

function shape(strings: readonly string[], functions: readonly string[], objects: readonly string[] = []) {
  return (value: unknown): string[] => {
    if (value === null || typeof value !== 'object') return ['is not an object'];
    const v = value as Record<string, unknown>;
    const out: string[] = [];
    for (const k of strings)
      if (typeof v[k] !== 'string' || v[k] === '') out.push(`'${k}' must be a non-empty string`);
    for (const k of functions) if (typeof v[k] !== 'function') out.push(`'${k}' must be a function`);
    for (const k of objects)
      if (v[k] === null || typeof v[k] !== 'object') out.push(`'${k}' must be an object`);
    return out;
  };
}

function point<K extends ContributionKind>(
  kind: K,
  identifier: symbol,
  noun: string,
  idOf: (c: Contributions[K]) => string,
  problems: (value: unknown) => string[],
): ContributionPoint<Contributions[K]> {
  return Object.freeze({ kind, identifier, noun, idOf, problems });
}

/**
 * The contribution points in the order `peftkit plugins` lists them. Adding a point here is all
 * the host needs to collect, attribute and de-duplicate it.
 */
export const CONTRIBUTION_POINTS: { readonly [K in ContributionKind]: ContributionPoint<Contributions[K]> } =
  {
    presets: point(
      'presets',
      Preset,
      'preset',
      (c) => c.id,
      shape(['id', 'domain', 'task', 'description'], [], ['config']),
    ),
    readers: point(
      'readers',
      DatasetReader,
      'dataset reader',
      (c) => c.id,
      shape(['id', 'description'], ['canRead', 'read'], ['formats']),
    ),
    preprocessors: point(
      'preprocessors',
      Preprocessor,
      'preprocessor',
      (c) => c.id,
      shape(['id', 'description'], ['create']),
    ),
    architectures: point(
      'architectures',
      Architecture,
      'architecture',
      (c) => c.id,
      (value) => {
        const out = shape(
          ['id', 'description'],
          ['build', 'loadCheckpoint', 'saveCheckpoint', 'placement'],
          ['configSchema'],
        )(value);
        const declared = (value as { declaredRoles?: unknown } | null)?.declaredRoles;
        if (out[0] !== 'is not an object' && declared !== undefined) {
          out.push(...roleDeclarationProblems(declared).map((p) => `declaredRoles: ${p}`));
        }
        return out;
      },
    ),
    heads: point(
      'heads',
      Head,
      'head',
      (c) => c.id,
      shape(['id', 'task', 'description'], ['build', 'loss', 'metricInputs', 'predict'], ['defaultMetrics']),
    ),
    placements: point(
      'placements',
      PlacementContribution,
      'placement',
      (c) => c.architecture,
      shape(['architecture'], [], ['defaults']),
    ),
    metrics: point(
      'metrics',
      MetricContribution,
      'metric',
      (c) => c.id,
      shape(['id', 'description'], ['create']),
    ),
    methods: point(
      'methods',
      PeftMethodContribution,
      'PEFT method',
      (c) => c.peftType,
      (value) => {
        const generic = shape(
          ['peftType', 'description'],
          ['inject', 'adapterParameters', 'remove'],
          ['config'],
        )(value);
        return generic.length ? generic : peftMethodProblems(value);
      },
    ),
    evaluators: point(
      'evaluators',
      Evaluator,
      'evaluator',
      (c) => c.id,
      shape(['id', 'description'], ['evaluate']),
    ),
  };

/** The kinds in listing order. */
export const CONTRIBUTION_KINDS = Object.keys(CONTRIBUTION_POINTS) as ContributionKind[];
