/** `angle` wrapped into (-pi, pi]. */
export function wrapAngle(angle: number): number {
  const twoPi = 2 * Math.PI;
  const a = angle - twoPi * Math.floor((angle + Math.PI) / twoPi);
  return a === -Math.PI ? Math.PI : a;
}
