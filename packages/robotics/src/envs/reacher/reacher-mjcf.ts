import { num, SMALL_ARENA, vec } from '../mjcf.js';
import type { ReacherConfig } from './reacher-config.js';

/**
 * MJCF for the reacher: two capsule links in the horizontal plane on hinges about z (shoulder at
 * the origin, elbow at the end of link 1), each driven by a motor. Joint angles 0 stretch the arm
 * along +x; positive angles turn counter-clockwise. Contacts are disabled.
 */
export function reacherMjcf(c: ReacherConfig): string {
  const joint = `type="hinge" axis="0 0 1" damping="${num(c.jointDamping)}" frictionloss="${num(c.jointFriction)}" armature="${num(c.armature)}"`;
  const motor = `gear="${num(c.gear)}" ctrllimited="true" ctrlrange="-1 1"`;
  return `<mujoco model="reacher">
  <compiler angle="radian"/>
  <option timestep="${num(c.timestep)}" gravity="0 0 -9.81">
    <flag contact="disable"/>
  </option>
  <size memory="${SMALL_ARENA}"/>
  <worldbody>
    <body name="link1">
      <joint name="shoulder" ${joint}/>
      <geom name="link1" type="capsule" fromto="${vec(0, 0, 0, c.link1Length, 0, 0)}" size="${num(c.linkRadius)}" mass="${num(c.link1Mass)}"/>
      <body name="link2" pos="${vec(c.link1Length, 0, 0)}">
        <joint name="elbow" ${joint}/>
        <geom name="link2" type="capsule" fromto="${vec(0, 0, 0, c.link2Length, 0, 0)}" size="${num(c.linkRadius)}" mass="${num(c.link2Mass)}"/>
        <site name="fingertip" pos="${vec(c.link2Length, 0, 0)}"/>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor name="shoulder" joint="shoulder" ${motor}/>
    <motor name="elbow" joint="elbow" ${motor}/>
  </actuator>
</mujoco>
`;
}
