import { describe, expect, it } from 'vitest';
import { runRollouts } from './run-rollouts.js';
import { svgPlanarPaths, svgRolloutSignals } from './svg-plots.js';
import { trajectorySignal } from './trajectory.js';

const cartpole = { id: 'cartpole', task: 'swingup', maxSteps: 60, successSteps: 1 } as const;

describe('rollout plots', () => {
  it('draws one panel per seed and one line per policy, with gaps at angle wraps', async () => {
    const spin = await runRollouts(cartpole, () => [1], { episodes: 2 });
    const idle = await runRollouts(cartpole, () => [0], { episodes: 2 });
    const svg = svgRolloutSignals(
      [
        { name: 'before <adapt>', result: idle },
        { name: 'after', result: spin },
      ],
      { title: 'Pole angle', yLabel: 'rad', signal: 'poleAngle', breakJumps: Math.PI },
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(new Set(svg.match(/Pole angle, seed \d/g))).toEqual(
      new Set(['Pole angle, seed 0', 'Pole angle, seed 1']),
    );
    expect(svg.match(/class="series"/g)).toHaveLength(4);
    expect(svg).toContain('data-name="before &#60;adapt&#62;"');
    expect(svg).not.toContain('<adapt>');
    // The hanging pole wraps between +pi and -pi: a gap starts a new sub-path.
    const idlePath = /data-name="before &#60;adapt&#62;" d="([^"]*)"/.exec(svg)?.[1] ?? '';
    expect(idlePath.split('M').length - 1).toBeGreaterThan(1);
    const unbroken = svgRolloutSignals([{ name: 'before', result: idle }], {
      title: 't',
      yLabel: 'rad',
      signal: 'poleAngle',
      episodes: 1,
    });
    expect((/data-name="before" d="([^"]*)"/.exec(unbroken)?.[1] ?? '').split('M').length - 1).toBe(1);
  });

  it('reads signals from info, observation labels or a function', async () => {
    const run = await runRollouts(cartpole, () => [0.5], { episodes: 1 });
    const t = run.trajectories[0]!;
    expect(trajectorySignal(t, 'poleAngle')).toHaveLength(60);
    const x = trajectorySignal(t, 'cartVelocity');
    expect(x).toHaveLength(61);
    expect(x[10]?.[0]).toBeCloseTo(10 * t.dt, 12);
    expect(trajectorySignal(t, (tr, s) => (tr.observations[s] as Float64Array)[3] as number)).toEqual(x);
    expect(() => trajectorySignal(t, 'nope')).toThrow("no signal 'nope' (known: poleAngle");
  });

  it('draws planar paths on equal axes with the goal, its tolerance and the reach', async () => {
    const reacher = { id: 'reacher', maxSteps: 20, successSteps: 1 } as const;
    const a = await runRollouts(reacher, () => [0.3, 0.3], { episodes: 3 });
    const b = await runRollouts(reacher, () => [-0.3, 0.1], { episodes: 3 });
    const svg = svgPlanarPaths(
      [
        { name: 'a', result: a },
        { name: 'b', result: b },
      ],
      {
        title: 'Fingertip',
        x: 'tipX',
        y: 'tipY',
        goal: ['goalX', 'goalY'],
        tolerance: 0.015,
        reach: 0.21,
        episodes: 2,
      },
    );
    expect(svg.match(/class="series"/g)).toHaveLength(4);
    expect(svg.match(/class="goal"/g)).toHaveLength(2);
    const reach = Number(/class="reach" cx="[^"]*" cy="[^"]*" r="([^"]*)"/.exec(svg)?.[1]);
    const tolerance = Number(/class="tolerance" cx="[^"]*" cy="[^"]*" r="([^"]*)"/.exec(svg)?.[1]);
    expect(reach / tolerance).toBeCloseTo(0.21 / 0.015, 0);
    expect(() => svgPlanarPaths([], { title: 't', x: 'tipX', y: 'tipY' })).toThrow('no policy runs');
    const bare = await runRollouts(reacher, () => [0, 0], { episodes: 1, record: false });
    expect(() =>
      svgRolloutSignals([{ name: 'bare', result: bare }], { title: 't', yLabel: 'y', signal: 'tipX' }),
    ).toThrow("run 'bare' recorded no trajectories");
  });
});
