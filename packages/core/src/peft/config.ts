import { z } from 'zod';
import { type Role, roleName } from './roles.js';

/**
 * Fields every PEFT config shares (camelCase in TypeScript, snake_case in `adapter_config.json`).
 *
 * - `targetModules`: an array = each entry matches a module path exactly or as a dotted suffix;
 *   a string = a regular expression that must match the whole path; `'all-linear'` = every
 *   Linear except the output head.
 * - `targetRoles`: placement roles (`attn.q`, `ffn.up`, ...) resolved through the architecture's
 *   placement; combined with `targetModules` by union.
 */
export const commonConfigShape = {
  peftType: z.string().min(1),
  targetModules: z.union([z.array(z.string().min(1)), z.string().min(1)]).optional(),
  targetRoles: z.array(roleName).optional(),
  excludeModules: z.union([z.array(z.string().min(1)), z.string().min(1)]).optional(),
  layersToTransform: z
    .union([z.number().int().nonnegative(), z.array(z.number().int().nonnegative())])
    .optional(),
  layersPattern: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
  modulesToSave: z.array(z.string().min(1)).optional(),
  inferenceMode: z.boolean().default(false),
  baseModelNameOrPath: z.string().optional(),
  revision: z.string().optional(),
  taskType: z.string().optional(),
  /**
   * Only IA3 reads it: `feedforwardModules` entries that match none of the targets become a
   * warning instead of an error. Targets themselves are not affected: one that matches nothing is
   * always a warning when others matched, and nothing matched at all is always an error.
   */
  allowUnmatched: z.boolean().default(false),
} as const;

const commonSchema = z.object(commonConfigShape);

/** The validated common part of every PEFT config. */
export type PeftConfigBase = z.output<typeof commonSchema>;

/** A method config: validated, defaults applied, frozen. */
export type PeftConfig = PeftConfigBase & Record<string, unknown>;

/** Keys peftkit never writes to `adapter_config.json` (they live in the `peftkit.json` sidecar). */
const SIDECAR_KEYS = new Set(['targetRoles', 'allowUnmatched']);

export function camelToSnake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export function snakeToCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Formats zod issues as `<where>: <path> <problem>` lines. */
export function formatIssues(where: string, error: z.ZodError): string {
  const lines = error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.join('.') : '(config)';
    return `${path}: ${issue.message}`;
  });
  return `${where}: invalid config\n  ${lines.join('\n  ')}`;
}

/**
 * Describes one method's config: its zod shape (merged with the common fields), defaults and
 * the mapping to and from HF's snake_case file form. Conversion is lossless both ways: unknown
 * keys read from a file are kept in `extraFileKeys` and written back unchanged.
 */
export interface ConfigSpec<C extends PeftConfig, I = unknown> {
  readonly peftType: string;
  /** Validates; its input type `I` is what `getPeftModel` accepts for this method (`ConfigInput`). */
  readonly schema: z.ZodType<C, I>;
  /** Validates a camelCase object; throws an error naming every bad field. Returns a frozen copy. */
  parse(raw: unknown): Readonly<C>;
  /** Reads the snake_case object of `adapter_config.json`. */
  fromFile(
    json: Record<string, unknown>,
    source?: string,
  ): { config: Readonly<C>; extraFileKeys: Record<string, unknown> };
  /** Writes the snake_case object for `adapter_config.json`. */
  toFile(config: C, extraFileKeys?: Record<string, unknown>): Record<string, unknown>;
}

/** Flattens an intersection into one object type (readable hovers and error messages). */
export type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** Array types as readonly arrays, so `as const` lists are accepted. */
type ReadonlyArrays<V> = V extends readonly (infer U)[] ? readonly U[] : V;

/**
 * The typed input of a method config built with `defineConfig(peftType, shape)`: `peftType` as
 * the method's literal (upper or lower case, as parsing accepts), the common fields with
 * `targetRoles` as roles, the method's fields; optional where a default applies.
 */
export type MethodConfigInput<P extends string, S extends z.ZodRawShape> = Simplify<
  { readonly peftType: P | Lowercase<P> } & InputFields<
    z.input<z.ZodObject<typeof commonConfigShape & S>>
  > & {
      readonly targetRoles?: readonly Role[];
    }
>;

/** The zod input minus `peftType` and `targetRoles` (typed above), optional fields kept optional. */
type InputFields<T> = {
  readonly [K in keyof T as K extends 'peftType' | 'targetRoles' ? never : K]: ReadonlyArrays<T[K]>;
};

/**
 * The input type of a `ConfigSpec`: what `getPeftModel` and `addAdapter` accept for its method.
 *
 * @example
 * export type LoraConfigInput = ConfigInput<typeof loraConfig>; // { peftType: 'LORA' | 'lora'; r?: number; ... }
 */
export type ConfigInput<S> = S extends { readonly schema: z.ZodType<unknown, infer I> } ? I : never;

/**
 * Builds a `ConfigSpec` from a method's own zod fields; its input type (`ConfigInput`) has
 * `peftType` fixed to the literal given here.
 */
export function defineConfig<P extends string, S extends z.ZodRawShape>(
  peftType: P,
  methodShape: S,
  refine?: (config: z.output<z.ZodObject<typeof commonConfigShape & S>>, ctx: z.RefinementCtx) => void,
): ConfigSpec<z.output<z.ZodObject<typeof commonConfigShape & S>> & PeftConfig, MethodConfigInput<P, S>> {
  type C = z.output<z.ZodObject<typeof commonConfigShape & S>> & PeftConfig;
  const base = z.object({ ...commonConfigShape, ...methodShape }).strict();
  const schema = (refine ? base.superRefine(refine) : base) as unknown as z.ZodType<
    C,
    MethodConfigInput<P, S>
  >;
  const known = new Set(Object.keys(base.shape));
  const where = `${peftType} config`;

  const parse = (raw: unknown): Readonly<C> => {
    const input = raw && typeof raw === 'object' ? { peftType, ...(raw as object) } : raw;
    const result = schema.safeParse(input);
    if (!result.success) throw new Error(formatIssues(where, result.error));
    if (result.data.peftType.toUpperCase() !== peftType) {
      throw new Error(`${where}: peftType is '${result.data.peftType}', expected '${peftType}'`);
    }
    return deepFreeze({ ...result.data, peftType } as C);
  };

  return {
    peftType,
    schema,
    parse,
    fromFile(json, source = 'adapter_config.json') {
      const camel: Record<string, unknown> = {};
      const extraFileKeys: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(json)) {
        const ck = snakeToCamel(k);
        // HF writes null for unset optionals; treat as absent.
        if (known.has(ck)) {
          if (v !== null) camel[ck] = v;
        } else extraFileKeys[k] = v;
      }
      try {
        return { config: parse(camel), extraFileKeys };
      } catch (err) {
        throw new Error(`${source}: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
    toFile(config, extraFileKeys = {}) {
      const out: Record<string, unknown> = { ...extraFileKeys };
      for (const [k, v] of Object.entries(config)) {
        if (SIDECAR_KEYS.has(k) || v === undefined) continue;
        out[camelToSnake(k)] = v;
      }
      return out;
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
