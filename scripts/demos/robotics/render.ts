import { describeMachine } from '../machine.js';
import { weightsNote } from '../report-text.js';
import { markdownTable, methodTable, pct, textTable } from '../table.js';
import type { RoboticsDemoReport } from './pipeline.js';
import { metricColumns } from './report.js';
import type { ScenarioReport } from './scenario.js';

const TITLE = 'cloned robot policies meet a weaker motor and new goals';

const SIMULATED =
  'Every shift is simulated (MuJoCo physics and goal regions as config changes, scripted experts as demonstrators), not a real robot.';

/** An env spec on one line, angles to 4 decimals. */
const spec = (env: object) =>
  JSON.stringify(env, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v * 1e4) / 1e4 : v));

function facts(r: ScenarioReport): string[] {
  const b = r.budget;
  const zeroShot = r.results.find((x) => x.id === 'zero-shot');
  return [
    `setting: ${r.scenario.story} (source \`${spec(r.scenario.sourceEnv)}\`, target \`${spec(r.scenario.targetEnv)}\`)`,
    `base: MLP policy cloned ${r.base.steps} steps from ${r.sourceDemos.episodes} expert episodes (${r.sourceDemos.frames} frames) in the source setting (${r.base.trainSeconds.toFixed(1)} s): ${pct(zeroShot?.source?.success)} success there`,
    `adaptation data: ${r.targetDemos.episodes} episodes (${r.targetDemos.frames} frames) of the expert re-derived for the target; ${b.adaptSteps} steps per method (\`${r.scenario.adaptPreset}\`)`,
    `scores: ${b.evalEpisodes} fixed-seed rollouts (seeds 1000...) per env with \`robotics/rollout\`; success = ${r.scenario.success}`,
    ...(r.results.some((x) => x.labelledEpisodes > 0)
      ? [
          "DAgger row: the LoRA row, then rounds that roll the adapted policy out in the target setting (seeds 2000...), label every visited state with the expert, add those episodes to the demos and keep training the same adapter (`peftkit-dagger`); its round 0 is the LoRA row's run of the same seed, shared rather than trained twice (its train time includes it); it uses more expert labels than the other rows (the demos-used column)",
        ]
      : []),
    ...(r.results.some((x) => x.id === 'lora-more-demos')
      ? [
          "DAgger's control row: LoRA trained by plain behaviour cloning on as many expert-labelled episodes as the DAgger row (the same target demos plus the next collection seeds, recorded by the expert itself) and as many optimizer steps (2x), with no learner rollouts: what the extra labels alone buy",
        ]
      : []),
  ];
}

const table = (r: ScenarioReport) => methodTable(r.results, metricColumns(r.scenario.shift));

/** The machine's load around the run: on a shared machine times scale with it. */
const loadLine = (r: RoboticsDemoReport) =>
  `${r.cpuSeconds.toFixed(0)} s CPU over ${r.workers} worker process${r.workers === 1 ? '' : 'es'}; 1-minute load average ${r.loadAverage[0].toFixed(1)} at the start, ${r.loadAverage[1].toFixed(1)} at the end, on ${r.machine.cores} cores`;

/** How the seeds were used, for the header. */
function seedsLine(r: RoboticsDemoReport): string {
  const train = r.trainSeeds.join(', ');
  return r.trainSeeds.length > 1
    ? `base pretraining and demonstrations ${r.seed}; every adapted row trained once per seed ${train}, cells are mean ± std (population) over those ${r.trainSeeds.length} runs (zero-shot trains nothing)`
    : `${r.seed} for every step (one training seed: no std)`;
}

/** What `pnpm demo robotics` prints on stdout. */
export function renderText(r: RoboticsDemoReport): string {
  return [
    `peftkit robotics demo: ${TITLE}`,
    ...r.scenarios.flatMap((s) => [
      '',
      `${s.scenario.id}: ${s.scenario.title}`,
      ...facts(s),
      '',
      textTable(...table(s)),
    ]),
    '',
    SIMULATED,
    `seeds: ${seedsLine(r)}`,
    `machine: ${describeMachine(r.machine)}`,
    `total wall time: ${r.wallTimeSeconds.toFixed(1)} s (${loadLine(r)})`,
  ].join('\n');
}

/** The demo's section of docs/results.md. */
export function renderMarkdown(r: RoboticsDemoReport, command: string): string {
  const missing =
    r.scenarios.length < 2 ? ['Only the scenarios above were run (the budget skipped the other).', ''] : [];
  return [
    `## Robotics: ${TITLE}`,
    '',
    `- command: \`${command}\``,
    `- date: ${r.date}`,
    `- machine: ${describeMachine(r.machine)}`,
    `- total wall time: ${r.wallTimeSeconds.toFixed(1)} s (${loadLine(r)})`,
    `- seeds: ${seedsLine(r)}`,
    '',
    SIMULATED,
    ...r.scenarios.flatMap((s) => [
      '',
      `### ${s.scenario.title}`,
      '',
      ...facts(s).map((f) => `- ${f}`),
      '',
      markdownTable(...table(s)),
    ]),
    '',
    ...missing,
    ...weightsNote('zero-shot and full fine-tuning'),
    '"success (source)" rolls the adapted policy out back in the source setting: what it forgot.',
    'See [robotics.md](robotics.md#demo) for the story and what the numbers do and do not show.',
    '',
    '<details><summary>The same steps with the CLI</summary>',
    '',
    '```sh',
    ...r.scenarios.flatMap((s) => s.commands),
    '```',
    '',
    '</details>',
  ].join('\n');
}
