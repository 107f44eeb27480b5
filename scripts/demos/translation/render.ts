import { type DemoReportText, renderDemoMarkdown, renderDemoText } from '../report-text.js';
import { methodTable } from '../table.js';
import type { TranslationDemoReport } from './pipeline.js';
import type { MethodResult } from './run-method.js';

const count = (n: number) => n.toLocaleString('en-US');
const score = (v: number | null) => (v === null ? 'n/a' : v.toFixed(1));

function facts(r: TranslationDemoReport): string[] {
  const b = r.budget;
  const lrs = r.results.filter((x) => x.command).map((x) => `${x.id} ${x.lr}`);
  return [
    `data: Unicode CLDR 48 (Unicode licence v3; npm \`cldr-units-full\`, \`cldr-dates-full\`), English -> German`,
    `base: a T5 (d=128, 2 encoder + 2 decoder layers, ${count(r.base.parameters)} parameters, cased 400-piece WordPiece vocabulary of the measurements) trained by peftkit from random init (full training, ${r.base.steps} steps of ${b.batchSize}, ${r.base.trainSeconds.toFixed(0)} s) on ${count(r.units.train)} measurements ("kilometers", "1 hour", "24 hours"): chrF ${score(r.base.test.chrf)}, BLEU ${score(r.base.test.bleu)} on ${count(r.units.test)} held-out measurements`,
    `new domain: date phrases (months, weekdays, "next week", "in 3 days", "2 hours ago"): ${count(r.dates.train)} train / ${count(r.dates.val)} val / ${count(r.dates.test)} test pairs`,
    `adaptation: ${b.adaptSteps} steps of batch ${b.batchSize} per row, seed ${b.seed}, learning rate ${lrs.join(', ')}; greedy decoding; BLEU / chrF as sacreBLEU (13a, chrF2) on the held-out date phrases, and on the held-out measurements (what adapting cost the base's task)`,
    `CPU time: ${r.cpuSeconds.toFixed(0)} s (one process); 1-minute load average ${r.loadAverage[0]} at the start, ${r.loadAverage[1]} at the end, on ${r.machine.cores} cores (the machine is shared)`,
  ];
}

function reportText(r: TranslationDemoReport): DemoReportText {
  return {
    title: 'a small English -> German T5 trained on measurements meets date phrases',
    facts: facts(r),
    table: methodTable<MethodResult>(r.results, [
      { header: 'dates chrF', cell: (x) => score(x.test.chrf) },
      { header: 'dates BLEU', cell: (x) => score(x.test.bleu) },
      { header: 'units chrF (after)', cell: (x) => score(x.baseDomain.chrf) },
    ]),
    machine: r.machine,
    wallTimeSeconds: r.wallTimeSeconds,
    date: r.date,
    notes: [
      '"weights file" is what each row adds on top of the shared base: `adapter_model.safetensors` for',
      'the adapters, the whole `model.safetensors` for full fine-tuning and the base itself (zero-shot).',
      '"train time" is the whole `train` run: data, model, training, evaluation and saving.',
      '',
      'What this can and cannot show: the model is tiny (about a million parameters) and trained from',
      'scratch on about 1,500 measurements, so it is nothing like a real translator; the point is the',
      'comparison between rows on the same base, data, steps and seed. The test split is about a',
      'hundred short phrases (one to four words), so BLEU is noisy: one wrong word in a two-word phrase',
      'removes every 2-gram, and phrases shorter than four words have no 4-grams at all (smoothing',
      'decides much of the score). chrF (character 6-grams) is the better signal here. One seed, one',
      'run, learning rates not tuned: differences of a few points are within noise, and a row that',
      'stays near zero-shot may only need another rate or more steps. "units chrF (after)" scores each',
      "row on the base's held-out measurements with its adapter switched on: full fine-tuning has",
      'changed the base for good, while an adapter switched off gives the base back unchanged.',
    ],
    commands: [r.base.command, ...r.results.flatMap((x) => (x.command ? [x.command] : []))],
  };
}

/** What `pnpm demo translation` prints on stdout. */
export const renderText = (r: TranslationDemoReport) =>
  renderDemoText('peftkit translation demo', reportText(r));

/** The demo's section of docs/results.md. */
export const renderMarkdown = (r: TranslationDemoReport, command: string) =>
  renderDemoMarkdown('Translation', reportText(r), command);
