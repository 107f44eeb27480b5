/**
 * Reverse-mode gradients over tfjs' tape that free memory as the backward pass goes.
 *
 * Why: `tf.grads` / `tf.variableGrads` (tfjs-core 4.22.0 `Engine.gradients`) keep every tensor the
 * tape saved and the gradient of every intermediate tensor alive until the whole backward pass
 * has finished, so the step's peak is all activations plus all their gradients. Here, as each
 * tape node is processed:
 *   - the gradients of its outputs are disposed (each output is produced by exactly one node and
 *     every consumer comes later on the tape, so none is needed again),
 *   - the tensors it saved for its gradient are disposed,
 * and saved tensors of nodes that lie on no path from the sources to the result are disposed
 * before the backward pass starts. The same kernels run in the same order as in tfjs, so the
 * gradients are bit-identical.
 *
 * Uses engine internals (`startTape`, `state.activeTape`, tape node fields), so tfjs is pinned;
 * `lean-gradients.test.ts` compares with `tf.variableGrads`.
 */
import * as tf from '@tensorflow/tfjs';

/** A tape node as tfjs-core 4.22.0 records it. */
interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  saved?: tf.Tensor[];
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
}

/** What we use of tfjs-core's `Engine` (4.22.0). */
interface EngineTape {
  startTape(): void;
  endTape(): void;
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
}

function engineTape(): EngineTape {
  return tf.engine() as unknown as EngineTape;
}

/**
 * The nodes on a path from `xs` to `y`, in tape order, each with its inputs pruned to those that
 * depend on `xs` (the same selection as tfjs' `getFilteredNodesXToY`).
 */
function pathNodes(tape: readonly TapeNode[], xs: readonly tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set<number>(xs.map((x) => x.id));
  const nodesFromX = new Set<number>();
  for (const node of tape) {
    for (const name in node.inputs) {
      if (fromX.has((node.inputs[name] as tf.Tensor).id)) {
        for (const o of node.outputs) fromX.add(o.id);
        nodesFromX.add(node.id);
        break;
      }
    }
  }
  const toY = new Set<number>([y.id]);
  const nodesToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i] as TapeNode;
    if (node.outputs.some((o) => toY.has(o.id))) {
      for (const name in node.inputs) toY.add((node.inputs[name] as tf.Tensor).id);
      nodesToY.add(node.id);
    }
  }
  const out: TapeNode[] = [];
  for (const node of tape) {
    if (!nodesFromX.has(node.id) || !nodesToY.has(node.id)) continue;
    const inputs: Record<string, tf.Tensor> = {};
    for (const name in node.inputs) {
      const t = node.inputs[name] as tf.Tensor;
      if (fromX.has(t.id)) inputs[name] = t;
    }
    out.push({ ...node, inputs });
  }
  return out;
}

function disposeSaved(node: TapeNode): void {
  if (node.saved) for (const t of node.saved) t.dispose();
}

/** Options of `leanGradients`. */
export interface LeanGradientsOptions {
  /**
   * Called (before the backward pass) with the trainable variables `f` read that are not among
   * `xs`, if any: gradient checkpointing uses it to refuse a block whose parameters it was not told
   * about, whose gradients would otherwise be lost.
   */
  onUnlistedVariables?: (variables: tf.Variable[]) => void;
}

/** Result of `leanGradients`: the value of `f` and one gradient per source (null: not connected). */
export interface LeanGradients {
  value: tf.Tensor;
  grads: (tf.Tensor | null)[];
}

/**
 * Runs `f` on a fresh gradient tape and returns its value and the gradients of its (summed)
 * result with respect to `xs` (tensors or variables), freeing each intermediate gradient and
 * saved tensor as soon as the backward pass is done with it (see the module comment). `dy`
 * seeds the backward pass (default ones). Safe to call while another backward pass is running
 * (gradient checkpointing recomputes a block inside one): the outer tape is restored.
 *
 * @example const { value, grads } = leanGradients(() => loss(model.call(x)), [w.variable]);
 */
export function leanGradients(
  f: () => tf.Tensor,
  xs: readonly tf.Tensor[],
  dy?: tf.Tensor,
  options: LeanGradientsOptions = {},
): LeanGradients {
  if (xs.length === 0) throw new Error('leanGradients: xs must not be empty');
  const engine = engineTape();
  // A gradient computed inside another backward pass (the outer tape is finished but still being
  // walked by its caller) must start from an empty tape and leave the outer one in place.
  if (engine.state.gradientDepth > 0) {
    throw new Error(
      'leanGradients: called while a gradient tape is recording (higher-order gradients are not supported)',
    );
  }
  const outerTape = engine.state.activeTape;
  engine.state.activeTape = null;
  let tape: TapeNode[] = [];
  try {
    const y = engine.scopedRun(
      () => engine.startTape(),
      () => engine.endTape(),
      () => {
        const r = tf.tidy('forward', f);
        tape = engine.state.activeTape ?? [];
        return r;
      },
    );
    if (!(y instanceof tf.Tensor)) throw new Error('leanGradients: f must return a tensor');
    if (dy && (dy.dtype !== 'float32' || !tf.util.arraysEqual(dy.shape, y.shape))) {
      throw new Error(
        `leanGradients: dy must be float32 of shape [${y.shape}], got ${dy.dtype} [${dy.shape}]`,
      );
    }
    if (options.onUnlistedVariables) {
      const listed = new Set(xs.map((x) => x.id));
      const unlisted = new Map<number, tf.Variable>();
      for (const node of tape) {
        for (const name in node.inputs) {
          const t = node.inputs[name];
          if (t instanceof tf.Variable && t.trainable && !listed.has(t.id)) unlisted.set(t.id, t);
        }
      }
      if (unlisted.size > 0) {
        try {
          options.onUnlistedVariables([...unlisted.values()]);
        } catch (err) {
          y.dispose();
          throw err;
        }
      }
    }
    const nodes = pathNodes(tape, xs, y);
    const onPath = new Set(nodes.map((n) => n.id));
    // Saved tensors of nodes off the path are never used.
    for (const node of tape) if (!onPath.has(node.id)) disposeSaved(node);
    const sources = new Set(xs.map((x) => x.id));
    // tidy keeps every tensor in the returned object (nulls are skipped).
    return tf.tidy('backward', (): tf.TensorContainer => {
      const acc = new Map<number, tf.Tensor>();
      acc.set(y.id, dy ?? tf.onesLike(y));
      for (let i = nodes.length - 1; i >= 0; i--) {
        const node = nodes[i] as TapeNode;
        if (!node.gradient) throw new Error(`leanGradients: no gradient registered for ${node.kernelName}`);
        const dys = node.outputs.map((o) => acc.get(o.id) ?? null);
        const thunks = node.gradient(dys);
        for (const name in node.inputs) {
          const thunk = thunks[name];
          if (!thunk)
            throw new Error(`leanGradients: ${node.kernelName} has no gradient for input '${name}'`);
          const dx = tf.tidy(thunk);
          const x = node.inputs[name] as tf.Tensor;
          if (dx.dtype !== 'float32' || !tf.util.arraysEqual(dx.shape, x.shape)) {
            throw new Error(
              `leanGradients: gradient of ${node.kernelName} input '${name}' is ${dx.dtype} [${dx.shape}], expected float32 [${x.shape}]`,
            );
          }
          const cur = acc.get(x.id);
          if (cur === undefined) acc.set(x.id, dx);
          else {
            acc.set(x.id, tf.add(cur, dx));
            release(cur, acc);
            release(dx, acc);
          }
        }
        disposeSaved(node);
        for (const o of node.outputs) {
          const g = acc.get(o.id);
          if (g === undefined || sources.has(o.id)) continue;
          acc.delete(o.id);
          if (g !== dy) release(g, acc);
        }
      }
      const result: LeanGradients = { value: y, grads: xs.map((x) => acc.get(x.id) ?? null) };
      return result as unknown as tf.TensorContainer;
    }) as unknown as LeanGradients;
  } finally {
    for (const node of tape) disposeSaved(node);
    engine.state.activeTape = outerTape;
  }
}

/** Disposes `t` unless a gradient function handed the same tensor on to another entry. */
function release(t: tf.Tensor, acc: Map<number, tf.Tensor>): void {
  for (const v of acc.values()) if (v === t) return;
  t.dispose();
}
