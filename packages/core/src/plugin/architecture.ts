import type { z } from 'zod';
import type { AnyModule } from '../nn/module.js';
import type { Placement } from '../peft/placement.js';
import type { RoleDeclarations } from '../peft/roles.js';

/** Contribution point for model architectures: `bind(Architecture).toConstantValue(myArch)`. */
export const Architecture = Symbol.for('peftkit.Architecture');

/** A base model read from a checkpoint directory, with its validated config. */
export interface LoadedBase<C = unknown> {
  readonly model: AnyModule;
  readonly config: C;
}

/**
 * A family of base models (`bert`, `vit`, an MLP): how to build one from a config, how to read
 * and write Hugging Face style checkpoint directories (`config.json` + `model.safetensors`), and
 * where its placement roles live. Module names should follow the family's HF checkpoints so
 * `target_modules` lists and weights work unchanged.
 *
 * @example
 * const mlp: Architecture<MlpConfig> = {
 *   id: 'tabular-mlp', description: 'residual MLP', configSchema: mlpConfig,
 *   build: (c) => new Mlp(c), placement: () => mlpPlacement, outputFeatures: (c) => c.hidden_size,
 *   loadCheckpoint: (dir) => ..., saveCheckpoint: (dir, model, c) => saveCheckpoint(dir, model, c),
 * };
 */
export interface Architecture<C = unknown> {
  /**
   * The family's `model_type` as Hugging Face writes it in `config.json` (`bert`, `vit`,
   * `wav2vec2`; a new family picks one, e.g. `tabular-mlp`): unique across plugins, never
   * `<domain>/<name>` (HF does not namespace model types). It is also what `--base <dir>` matches
   * the checkpoint's `model_type` against unless `modelTypes` says otherwise.
   */
  readonly id: string;
  readonly description: string;
  /** `model_type` values of `config.json` this architecture reads (default: `[id]`). */
  readonly modelTypes?: readonly string[];
  /**
   * Validates `model.config`; errors are reported under `model.config.<path>`. Keys are the
   * family's `config.json` names (HF's snake_case, `hidden_size`), so run configs and checkpoint
   * configs are one shape.
   */
  readonly configSchema: z.ZodType<C>;
  /** A freshly initialised base (weights drawn from the process RNG, so `setSeed` makes it repeatable). */
  build(config: C): AnyModule;
  /**
   * Reads a checkpoint directory; missing or mis-shaped tensors are errors naming them. Should
   * accept what `saveCheckpoint` writes and, where the family has them, Hugging Face checkpoints.
   */
  loadCheckpoint(dir: string): Promise<LoadedBase<C>>;
  /** Writes `model` (built by this architecture) as a checkpoint directory `loadCheckpoint` reads. */
  saveCheckpoint(dir: string, model: AnyModule, config: C): Promise<void>;
  /** Where the roles (`attn.q`, `ffn.up`, `block`, ...) live in a model built from `config`. */
  placement(config: C): Placement;
  /**
   * Roles beyond core's vocabulary that `placement` uses, with descriptions: the same
   * `defineRoles` object the placement declares. The host lists them (`peftkit doctor`), and
   * refuses a plugin that describes a role differently from a plugin loaded before it.
   */
  readonly declaredRoles?: RoleDeclarations;
  /** Width of the features the base outputs (what a head consumes), when it has one. */
  outputFeatures?(config: C): number;
  /**
   * Hugging Face interop, for families whose HF checkpoints and PEFT adapters the CLI reads without
   * a peftkit run around them (`predict --adapter <HF PEFT dir> --base <HF dir>`) and whose merges
   * are written as HF task checkpoints. Without it such directories are refused.
   */
  readonly hf?: ArchitectureHfInterop;
}

/** How an architecture maps to Hugging Face `transformers` names (see `Architecture.hf`). */
export interface ArchitectureHfInterop {
  /** The family's class-name prefix: `Bert` in `BertForSequenceClassification`. */
  readonly classPrefix: string;
  /**
   * Id of the preprocessor that reads the preprocessing files an HF checkpoint of this family
   * carries (a tokenizer's `vocab.txt`/`tokenizer.json`): created with default options and
   * fitted with no examples and `baseDir` set to the checkpoint, so it must load from there.
   */
  readonly preprocessor: string;
  /**
   * Full HF class names, by head id, where the family does not follow `classPrefix` + the head's
   * `classSuffix` (Marian's LM is `MarianMTModel`, not `MarianForConditionalGeneration`). Read
   * when picking the head of a checkpoint's `architectures` and when a merge names its class.
   */
  readonly classNames?: Readonly<Record<string, string>>;
}

/** The HF class of `architecture` with the head `headId` (`BertForSequenceClassification`), if both declare one. */
export function hfClassName(
  architecture: { readonly hf?: ArchitectureHfInterop | undefined },
  head: { readonly id: string; readonly hf?: { readonly classSuffix: string } | undefined },
): string | undefined {
  const a = architecture.hf;
  if (!a || !head.hf) return undefined;
  return a.classNames?.[head.id] ?? `${a.classPrefix}${head.hf.classSuffix}`;
}
