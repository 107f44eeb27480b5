import { num, SMALL_ARENA, vec } from '../mjcf.js';
import type { CartpoleConfig } from './cartpole-config.js';

/**
 * MJCF for the cart-pole: a cart on a limited slide joint along x driven by one motor, and a
 * pole on a hinge about y. Pole angle 0 is upright; positive angles tip the pole towards +x.
 * The pole capsule spans exactly [0, poleLength] from the hinge, caps included.
 * Contacts are disabled (nothing touches anything), so the model is exactly the config.
 */
export function cartpoleMjcf(c: CartpoleConfig): string {
  return `<mujoco model="cartpole">
  <compiler angle="radian"/>
  <option timestep="${num(c.timestep)}" gravity="${vec(0, 0, -c.gravity)}">
    <flag contact="disable"/>
  </option>
  <size memory="${SMALL_ARENA}"/>
  <worldbody>
    <body name="cart">
      <joint name="slider" type="slide" axis="1 0 0" limited="true" range="${vec(-c.railLimit, c.railLimit)}"
        damping="${num(c.cartDamping)}" frictionloss="${num(c.cartFriction)}"/>
      <geom name="cart" type="box" size="0.2 0.15 0.1" mass="${num(c.cartMass)}"/>
      <body name="pole">
        <joint name="hinge" type="hinge" axis="0 1 0" damping="${num(c.poleDamping)}"/>
        <geom name="pole" type="capsule" fromto="${vec(0, 0, c.poleRadius, 0, 0, c.poleLength - c.poleRadius)}"
          size="${num(c.poleRadius)}" mass="${num(c.poleMass)}"/>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor name="force" joint="slider" gear="${num(c.gear)}" ctrllimited="true" ctrlrange="-1 1"/>
  </actuator>
</mujoco>
`;
}
