import type { DoubleBuffer, MjData, MjModel } from '@mujoco/mujoco';
import { loadMujoco, type Mujoco } from './mujoco-runtime.js';

/**
 * One MuJoCo simulation: a compiled model and its data, owned together and freed together.
 *
 * Both live on the wasm heap, which JavaScript's garbage collector never frees: call
 * `dispose()` (or use `using`). State is read and written through copies, never through live
 * views, because views into the heap are invalidated whenever the heap grows.
 *
 * @example
 * const physics = await Physics.fromXml('<mujoco>...</mujoco>');
 * physics.setState([0, 0.1], [0, 0]);
 * physics.step([0.5], 2);
 * physics.dispose();
 */
export class Physics {
  private disposed = false;
  /** Scratch space on the wasm heap for `mj_fullM`, made on first use. */
  private massBuffer: DoubleBuffer | undefined;
  /** Number of generalised positions / velocities / actuators. */
  readonly nq: number;
  readonly nv: number;
  readonly nu: number;

  private constructor(
    readonly mujoco: Mujoco,
    private readonly mjModel: MjModel,
    private readonly mjData: MjData,
  ) {
    this.nq = mjModel.nq;
    this.nv = mjModel.nv;
    this.nu = mjModel.nu;
  }

  /** Compiles MJCF text. A compile error names `where` (e.g. the environment id). */
  static async fromXml(xml: string, where = 'mjcf'): Promise<Physics> {
    return Physics.fromXmlSync(await loadMujoco(), xml, where);
  }

  /** As `fromXml`, with an already loaded MuJoCo module. */
  static fromXmlSync(mujoco: Mujoco, xml: string, where = 'mjcf'): Physics {
    let model: MjModel;
    try {
      model = mujoco.MjModel.from_xml_string(xml);
    } catch (error) {
      throw new Error(`${where}: MuJoCo could not compile the model: ${describeError(error)}`, {
        cause: error,
      });
    }
    let data: MjData;
    try {
      data = new mujoco.MjData(model);
    } catch (error) {
      model.delete();
      throw error;
    }
    return new Physics(mujoco, model, data);
  }

  /** The raw model handle, for reading model fields. Valid until `dispose()`. */
  get model(): MjModel {
    this.assertLive();
    return this.mjModel;
  }

  /** The raw data handle. Valid until `dispose()`. */
  get data(): MjData {
    this.assertLive();
    return this.mjData;
  }

  /** Simulation time in seconds. */
  get time(): number {
    return this.data.time;
  }

  /** Resets every field of the data (time, state, controls, warm starts) to the model defaults. */
  reset(): void {
    this.mujoco.mj_resetData(this.model, this.data);
  }

  /** Resets, then sets positions and velocities and recomputes derived quantities. */
  setState(qpos: ArrayLike<number>, qvel: ArrayLike<number>): void {
    if (qpos.length !== this.nq || qvel.length !== this.nv) {
      throw new Error(`Physics.setState: expected ${this.nq} positions and ${this.nv} velocities`);
    }
    this.reset();
    (this.data.qpos as Float64Array).set(qpos);
    (this.data.qvel as Float64Array).set(qvel);
    this.mujoco.mj_forward(this.model, this.data);
  }

  /** Holds `ctrl` for `frames` physics steps (zero-order hold). */
  step(ctrl: ArrayLike<number>, frames = 1): void {
    if (ctrl.length !== this.nu)
      throw new Error(`Physics.step: expected ${this.nu} controls, got ${ctrl.length}`);
    const model = this.model;
    const data = this.data;
    (data.ctrl as Float64Array).set(ctrl);
    for (let i = 0; i < frames; i++) this.mujoco.mj_step(model, data);
  }

  /** A copy of the generalised positions. */
  qpos(): Float64Array {
    return Float64Array.from(this.data.qpos as Float64Array);
  }

  /** A copy of the generalised velocities. */
  qvel(): Float64Array {
    return Float64Array.from(this.data.qvel as Float64Array);
  }

  /**
   * The joint-space inertia matrix M(q) (row-major nv x nv, armature included) and the bias
   * forces c(q, qdot) (Coriolis, centrifugal, gravity, passive springs) for the current state,
   * after `setState`. Joint damping is not part of c.
   */
  dynamics(): { mass: Float64Array; bias: Float64Array } {
    this.massBuffer ??= new this.mujoco.DoubleBuffer(this.nv * this.nv);
    this.mujoco.mj_fullM(this.model, this.data, this.massBuffer);
    return {
      mass: Float64Array.from(this.massBuffer.GetView() as Float64Array),
      bias: Float64Array.from(this.data.qfrc_bias as Float64Array),
    };
  }

  /** Frees the model and data. Safe to call twice; any use afterwards throws. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.massBuffer?.delete();
    this.mjData.delete();
    this.mjModel.delete();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('Physics: used after dispose()');
  }
}

function describeError(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
