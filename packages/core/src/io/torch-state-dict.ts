import type * as tf from '@tensorflow/tfjs';
import { fromTorchLayout, sameShape, torchShapeOf, toTorchLayout } from '../nn/layout.js';
import type { AnyModule, LoadStateDictReport } from '../nn/module.js';

export interface TorchStateDictOptions {
  /**
   * Path prefix of the module inside the file, e.g. `base_model.model` or `bert`: keys are
   * `<prefix>.<path>`. A trailing '.' is accepted.
   */
  prefix?: string;
}

export interface LoadTorchStateDictOptions extends TorchStateDictOptions {
  /**
   * When true (default) every missing and unexpected key is an error. Shape and dtype mismatches
   * are always errors. With a prefix, keys outside it count as unexpected.
   */
  strict?: boolean;
}

/**
 * The module's parameters and buffers in PyTorch layout (Linear `[out, in]`, conv OIHW, ...),
 * keyed `<prefix>.<path>`, ready for `saveSafetensors`. Memory is unchanged; the returned tensors
 * are new and owned by the caller.
 *
 * @example
 * const sd = toTorchStateDict(model);
 * try { await saveSafetensors(p, sd, { format: 'pt' }); } finally { disposeAll(sd); }
 */
export function toTorchStateDict(
  module: AnyModule,
  options: TorchStateDictOptions = {},
): Map<string, tf.Tensor> {
  const prefix = normalizePrefix(options.prefix);
  const out = new Map<string, tf.Tensor>();
  try {
    for (const [path, p] of module.stateDict()) out.set(prefix + path, toTorchLayout(p.value, p.layout));
  } catch (err) {
    disposeAll(out);
    throw err;
  }
  return out;
}

/**
 * Loads PyTorch-layout tensors (e.g. from a Hugging Face safetensors file) into `module`,
 * converting each to the memory layout of the parameter it targets. All problems are gathered
 * and thrown as one error before anything is assigned: every missing key, every unexpected key,
 * and every shape mismatch with the file shape and the expected PyTorch-layout shape side by side.
 * The input tensors are not disposed.
 *
 * @example
 * const { tensors } = await loadSafetensors('model.safetensors');
 * loadTorchStateDict(model, tensors, { prefix: 'bert' });
 */
export function loadTorchStateDict(
  module: AnyModule,
  tensors: ReadonlyMap<string, tf.Tensor> | Readonly<Record<string, tf.Tensor>>,
  options: LoadTorchStateDictOptions = {},
): LoadStateDictReport {
  const strict = options.strict ?? true;
  const prefix = normalizePrefix(options.prefix);
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const own = module.stateDict();

  const matched = new Map<string, tf.Tensor>();
  const unexpected: string[] = [];
  for (const [key, t] of entries) {
    const path = key.startsWith(prefix) ? key.slice(prefix.length) : undefined;
    if (path !== undefined && own.has(path)) matched.set(path, t);
    else unexpected.push(key);
  }
  const missing = [...own.keys()].filter((k) => !matched.has(k)).map((k) => prefix + k);

  const mismatched: string[] = [];
  for (const [path, t] of matched) {
    const p = own.get(path)!;
    const expected = torchShapeOf(p.shape, p.layout);
    if (!sameShape(t.shape, expected)) {
      const memory = p.layout === 'identity' ? '' : ` (memory [${p.shape}], layout '${p.layout}')`;
      mismatched.push(
        `${prefix}${path}: file has [${t.shape}], expected PyTorch-layout [${expected}]${memory}`,
      );
    } else if (t.dtype !== p.dtype) {
      mismatched.push(`${prefix}${path}: file has dtype ${t.dtype}, expected ${p.dtype}`);
    }
  }
  const problems: string[] = [];
  if (mismatched.length) problems.push(listing('shape/dtype mismatches', mismatched));
  if (strict && missing.length) problems.push(listing('missing keys', missing));
  if (strict && unexpected.length) problems.push(listing('unexpected keys', unexpected));
  if (problems.length) {
    throw new Error(`loadTorchStateDict(${module.typeName}) failed:\n${problems.join('\n')}`);
  }

  const converted = new Map<string, tf.Tensor>();
  try {
    for (const [path, t] of matched) {
      const p = own.get(path)!;
      converted.set(path, fromTorchLayout(t, p.layout, p.shape));
    }
    // Non-strict here: the keys were already checked above, against the prefixed names.
    const report = module.loadStateDict(converted, { strict: false });
    return { loaded: report.loaded.map((k) => prefix + k), missing, unexpected };
  } finally {
    disposeAll(converted);
  }
}

/** Disposes every tensor of a dict (convenience for the maps these functions return). */
export function disposeAll(tensors: ReadonlyMap<string, tf.Tensor> | Iterable<tf.Tensor>): void {
  const list = tensors instanceof Map ? tensors.values() : (tensors as Iterable<tf.Tensor>);
  for (const t of list) t.dispose();
}

function normalizePrefix(prefix: string | undefined): string {
  if (!prefix) return '';
  return prefix.endsWith('.') ? prefix : `${prefix}.`;
}

function listing(title: string, items: string[]): string {
  return `${title} (${items.length}):\n  ${items.join('\n  ')}`;
}
