/**
 * Gradient checkpointing for whole blocks of a model (Hugging Face's
 * `gradient_checkpointing_enable()`): a checkpointed block keeps only its inputs for the backward
 * pass and recomputes its forward there (see `checkpoint`). Enabling patches the block instance's
 * `forward`, so it works whether the parent calls `forward` or `call`, for any block class, and
 * PEFT wrappers inside the block (LoRA, adapters, prefix tuning) are recomputed with it.
 */
import * as tf from '@tensorflow/tfjs';
import { checkpoint } from '../runtime/checkpoint.js';
import type { AnyModule } from './module.js';

const ORIGINAL_FORWARD = Symbol('peftkit.forwardBeforeCheckpointing');

type Forward = (...args: unknown[]) => unknown;
type Patchable = AnyModule & { [ORIGINAL_FORWARD]?: Forward; forward: Forward };

/** Where each tensor of a call's arguments sits: an argument, then field names into options objects. */
type Slot = { arg: number; path: string[] };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

function tensorSlots(args: readonly unknown[]): { slots: Slot[]; tensors: tf.Tensor[] } {
  const slots: Slot[] = [];
  const tensors: tf.Tensor[] = [];
  const visit = (v: unknown, arg: number, path: string[]) => {
    if (v instanceof tf.Tensor) {
      slots.push({ arg, path });
      tensors.push(v);
    } else if (isPlainObject(v)) {
      for (const [key, x] of Object.entries(v)) visit(x, arg, [...path, key]);
    }
  };
  args.forEach((a, arg) => {
    visit(a, arg, []);
  });
  return { slots, tensors };
}

/** A copy of `v` with the tensor at `path` replaced (plain objects are copied along the way). */
function replaced(v: unknown, path: readonly string[], t: tf.Tensor): unknown {
  const [head, ...tail] = path;
  if (head === undefined) return t;
  const o = v as Record<string, unknown>;
  return { ...o, [head]: replaced(o[head], tail, t) };
}

function withTensors(
  args: readonly unknown[],
  slots: readonly Slot[],
  tensors: readonly tf.Tensor[],
): unknown[] {
  const out = [...args];
  slots.forEach((s, i) => {
    out[s.arg] = replaced(out[s.arg], s.path, tensors[i] as tf.Tensor);
  });
  return out;
}

/**
 * A block whose forward returns an object rather than one tensor names the field that carries
 * gradients (GPT-2's block returns `{ output, kv }`: `'output'`); the other tensor fields (KV
 * caches) are returned as computed, without gradients.
 */
export interface CheckpointOutputHook {
  readonly checkpointOutputKey?: string;
}

function checkpointedForward(module: AnyModule, original: Forward, args: unknown[]): unknown {
  const { slots, tensors } = tensorSlots(args);
  // Float tensors (hidden states, cross-attention inputs, additive masks) may need gradients;
  // integer and boolean ones (padding masks, ids) are only kept for the recompute.
  const order = [
    ...tensors.map((t, i) => [t, i] as const).filter(([t]) => t.dtype === 'float32'),
    ...tensors.map((t, i) => [t, i] as const).filter(([t]) => t.dtype !== 'float32'),
  ];
  const nFloat = order.filter(([t]) => t.dtype === 'float32').length;
  const orderedSlots = order.map(([, i]) => slots[i] as Slot);
  const key = (module as AnyModule & CheckpointOutputHook).checkpointOutputKey;
  let rest: Record<string, unknown> | undefined;
  const main = checkpoint(
    (...ts) => {
      const out = original.apply(module, withTensors(args, orderedSlots, ts));
      if (out instanceof tf.Tensor) return out;
      const field = key !== undefined && isPlainObject(out) ? out[key] : undefined;
      if (!(field instanceof tf.Tensor)) {
        throw new Error(
          `gradient checkpointing: ${module.typeName}.forward must return one tensor, or an object whose checkpointOutputKey field is one`,
        );
      }
      // Only the forward run (not the recompute) hands the other fields on; they must outlive
      // the op's tidy scope, so they are kept here and re-owned by the caller below.
      if (rest === undefined) {
        rest = { ...(out as Record<string, unknown>) };
        delete rest[key as string];
        for (const t of Object.values(rest).flatMap(tensorsOf)) tf.keep(t);
      }
      return field;
    },
    {
      inputs: order.slice(0, nFloat).map(([t]) => t),
      constants: order.slice(nFloat).map(([t]) => t),
      // Read per call: PEFT may add adapters (and their parameters) after enabling.
      variables: module.parameters({ trainableOnly: true }).map((p) => p.variable),
    },
  );
  if (rest === undefined) return main;
  // Clones (shared buffers) belong to the caller's scope; the kept originals go.
  const kept = Object.values(rest).flatMap(tensorsOf);
  const owned = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, cloneTensors(v)]));
  tf.dispose(kept);
  return { ...owned, [key as string]: main };
}

function tensorsOf(v: unknown): tf.Tensor[] {
  if (v instanceof tf.Tensor) return [v];
  if (Array.isArray(v) || isPlainObject(v)) return Object.values(v).flatMap(tensorsOf);
  return [];
}

function cloneTensors(v: unknown): unknown {
  if (v instanceof tf.Tensor) return tf.clone(v);
  if (Array.isArray(v)) return v.map(cloneTensors);
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cloneTensors(x)]));
  return v;
}

/**
 * Turns gradient checkpointing on or off for one block. The block's forward must return one
 * tensor (or an object, see `CheckpointOutputHook`) and read trainable parameters only from its
 * own subtree; tensor arguments (top level or
 * fields of an options object) are kept for the recompute. Idempotent.
 *
 * @example for (const layer of model.child<ModuleList>('layers')) setGradientCheckpointing(layer, true);
 */
export function setGradientCheckpointing(module: AnyModule, enabled: boolean): void {
  const m = module as Patchable;
  const original = m[ORIGINAL_FORWARD];
  if (enabled && original === undefined) {
    const forward = m.forward;
    m[ORIGINAL_FORWARD] = forward;
    // `this`, not `m`: `Module.clone()` copies own fields, and the copy must run on itself.
    m.forward = function (this: Patchable, ...args: unknown[]) {
      return checkpointedForward(this, forward, args);
    };
  } else if (!enabled && original !== undefined) {
    m.forward = original;
    delete m[ORIGINAL_FORWARD];
  }
}

/** True when `setGradientCheckpointing(module, true)` is in effect. */
export function isGradientCheckpointing(module: AnyModule): boolean {
  return (module as Patchable)[ORIGINAL_FORWARD] !== undefined;
}
