import { type DemoReportText, renderDemoMarkdown, renderDemoText, weightsNote } from '../report-text.js';
import { methodTable, pct } from '../table.js';
import type { NlpDemoReport } from './pipeline.js';
import type { MethodResult } from './run-method.js';

const count = (n: number) => n.toLocaleString('en-US');

/** `0.01 (linear-probe, lora), 0.003 (full)`: the rows grouped by learning rate. */
function learningRates(r: NlpDemoReport): string {
  const groups = new Map<number, string[]>();
  for (const x of r.results) groups.set(x.lr, [...(groups.get(x.lr) ?? []), x.id]);
  return [...groups].map(([lr, ids]) => `${lr} (${ids.join(', ')})`).join(', ');
}

function facts(r: NlpDemoReport): string[] {
  const b = r.budget;
  const base = r.base.record;
  const m = base.model;
  const split = (k: 'train' | 'val' | 'test') => count(r.data.domains.reduce((s, d) => s + d[k], 0));
  return [
    `base: ${m.layers}-layer BERT (d=${m.hidden}, ${count(base.parameters)} parameters, ${count(m.vocab)}-piece WordPiece vocabulary) pretrained by peftkit with masked LM on ${count(base.corpus.trainPieces)} pieces of SpamAssassin email prose, ${base.steps} steps (${(base.trainSeconds / 60).toFixed(1)} min${r.base.pretrainedNow ? ', in this run' : ', committed'}): ${pct(base.mlmAccuracy)} masked-token accuracy on held-out emails`,
    `sentences: UCI Sentiment Labelled Sentences, ${r.data.domains.map((d) => d.domain).join(' + ')}; ${split('train')} train / ${split('val')} val / ${split('test')} test, split per domain and label`,
    `adaptation: ${b.adaptSteps} steps of batch ${b.batchSize} per method, seed ${b.seed}, learning rate ${learningRates(r)} (picked on the val split); accuracy on each domain's held-out test sentences ("all" weighs domains by test size)`,
  ];
}

function reportText(r: NlpDemoReport): DemoReportText {
  return {
    title: 'a BERT pretrained on emails learns the sentiment of review sentences',
    facts: facts(r),
    table: methodTable(r.results, [
      { header: 'test accuracy (all)', cell: (x) => pct(x.accuracy) },
      ...r.data.domains.map((d) => ({
        header: d.domain,
        cell: (x: MethodResult) => pct(x.domains[d.domain]),
      })),
    ]),
    machine: r.machine,
    wallTimeSeconds: r.wallTimeSeconds,
    date: r.date,
    notes: [
      ...weightsNote('full training'),
      'The last row trains the same BERT from random initialisation (same vocabulary, data and',
      'steps): what the pretraining is worth. See [nlp.md](nlp.md#demo) for the story and what the',
      'numbers do and do not show.',
    ],
    commands: [
      ...(r.base.pretrainedNow ? [r.base.record.command] : []),
      ...r.results.flatMap((x) => (x.command ? [x.command] : [])),
    ],
  };
}

/** What `pnpm demo nlp` prints on stdout. */
export const renderText = (r: NlpDemoReport) => renderDemoText('peftkit text demo', reportText(r));

/** The demo's section of docs/results.md. */
export const renderMarkdown = (r: NlpDemoReport, command: string) =>
  renderDemoMarkdown('Text', reportText(r), command);
