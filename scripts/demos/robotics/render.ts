import { type DemoReportText, renderDemoMarkdown, renderDemoText, weightsNote } from '../report-text.js';
import { methodTable, pct } from '../table.js';
import type { RoboticsDemoReport } from './pipeline.js';
import { METRIC_COLUMNS } from './report.js';

function facts(r: RoboticsDemoReport): string[] {
  const b = r.budget;
  const zeroShot = r.results.find((x) => x.id === 'zero-shot');
  return [
    `task: MuJoCo cart-pole swing-up (\`${JSON.stringify(r.sourceEnv)}\`); the shift: the motor is half as strong (\`${JSON.stringify(r.targetEnv)}\`)`,
    `base: MLP policy cloned ${r.base.steps} steps from ${r.sourceDemos.episodes} expert episodes (${r.sourceDemos.frames} frames) in the source physics (${r.base.trainSeconds.toFixed(1)} s): ${pct(zeroShot?.source?.success)} success there`,
    `adaptation data: ${r.targetDemos.episodes} episodes (${r.targetDemos.frames} frames) of the expert re-derived for the weak motor; ${b.adaptSteps} steps per method, seed ${b.seed}`,
    `scores: ${b.evalEpisodes} fixed-seed rollouts (seeds 1000...) per env with \`robotics/rollout\`; success = pole within 0.2 rad of upright for the final 100 steps`,
  ];
}

function reportText(r: RoboticsDemoReport): DemoReportText {
  return {
    title: "a cart-pole swing-up policy meets a motor half as strong",
    facts: facts(r),
    table: methodTable(r.results, METRIC_COLUMNS),
    machine: r.machine,
    wallTimeSeconds: r.wallTimeSeconds,
    date: r.date,
    notes: [
      ...weightsNote('zero-shot and full fine-tuning'),
      'The physics shift is simulated (MuJoCo, a config change), not a real robot. The second story of',
      'the issue, a new goal region for the reacher (`robotics/new-goal`), is not part of this demo yet.',
      'See [robotics.md](robotics.md#demo) for the story and what the numbers do and do not show.',
    ],
    commands: r.commands,
  };
}

/** What `pnpm demo robotics` prints on stdout. */
export const renderText = (r: RoboticsDemoReport) => renderDemoText('peftkit robotics demo', reportText(r));

/** The demo's section of docs/results.md. */
export const renderMarkdown = (r: RoboticsDemoReport, command: string) =>
  renderDemoMarkdown('Robotics', reportText(r), command);
