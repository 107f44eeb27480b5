import type { RunConfigLayer } from './run-config/schema.js';

/** Contribution point for presets: `bind(Preset).toConstantValue(myPreset)`. */
export const Preset = Symbol.for('peftkit.Preset');

/**
 * A named, documented bundle: reader + preprocessing + architecture + head + PEFT method and
 * placement + training hyper-parameters + metrics. It is the lowest layer of a run config:
 * config files and CLI flags override any field (`peftkit config --preset <id>` shows the result).
 *
 * @example
 * const preset: Preset = {
 *   id: 'tabular/classification', domain: 'tabular', task: 'classification',
 *   description: 'LoRA r=4 on the MLP feed-forward layers, head trained whole',
 *   config: { preprocess: { id: 'tabular/standardize' }, model: { architecture: 'tabular-mlp' },
 *     head: { id: 'tabular/classification' }, peft: { peftType: 'LORA', r: 4, targetRoles: ['ffn.up', 'ffn.down'] },
 *     training: { epochs: 20, lr: 1e-2 } },
 * };
 */
export interface Preset {
  /** Unique across plugins: `<domain>/<name>`. */
  readonly id: string;
  readonly domain: string;
  readonly task: string;
  /** One or two sentences for `peftkit presets`; `peftkit presets show` prints the config too. */
  readonly description: string;
  readonly config: RunConfigLayer;
  /**
   * Per-method defaults, keyed by `peftType` (`LORA`, `IA3`, ...) or `full`: a layer applied just
   * above `config` when the run resolves to that method, so `--set peft=full` on a LoRA preset
   * also gets full fine-tuning's learning rate, while anything the user sets still wins. Methods
   * train best at different learning rates (adapters start from a zero update and need larger
   * steps than full fine-tuning).
   */
  readonly perMethod?: Readonly<Record<string, RunConfigLayer>>;
  /**
   * How `peftkit pretrain --preset <id>` gets a base: a layer over `config` that points `data` at
   * source-domain data (and usually sets a pretraining head). Training is always full.
   */
  readonly pretrain?: { readonly description: string; readonly config: RunConfigLayer };
}
