import { type DemoReportText, renderDemoMarkdown, renderDemoText, weightsNote } from '../report-text.js';
import { type MetricColumn, methodTable, pct } from '../table.js';
import type { CorpusReport, SpeechDemoReport } from './pipeline.js';
import type { MethodResult } from './run-method.js';

const TITLE = 'a speech recogniser meets a new accent';

/** Said in every output: the accents are voices of a synthesiser. */
export const PROXY_NOTE =
  'The accents are eSpeak NG voices (synthetic speech with random pitch, rate and noise per speaker): a domain-shift proxy, not real accented speech.';

const total = (c: CorpusReport, split: string) => c.clips[split] ?? 0;

const synth = (c: CorpusReport) =>
  c.reused ? 'reused from the corpus cache' : `synthesised in ${c.synthSeconds.toFixed(1)} s`;

const columns = (r: SpeechDemoReport): readonly MetricColumn<MethodResult>[] => [
  { header: `CER (${r.targetAccent.accent})`, cell: (x) => pct(x.target?.cer) },
  { header: `WER (${r.targetAccent.accent})`, cell: (x) => pct(x.target?.wer) },
  { header: `CER (${r.sourceAccent.accent}, forgetting)`, cell: (x) => pct(x.source?.cer) },
];

function text(r: SpeechDemoReport): DemoReportText {
  const b = r.base.record;
  const t = r.corpora.target;
  const s = r.corpora.sourceTest;
  return {
    title: TITLE,
    facts: [
      `base: ${b.parameters.toLocaleString('en-US')}-parameter CTC conv-transformer pretrained on synthetic ${b.sourceAccent} (\`${b.voice}\`), ${b.steps} steps in ${(b.trainSeconds / 60).toFixed(1)} min${r.base.pretrainedNow ? ' (pretrained by this run)' : ' (committed)'}; its source dev CER ${pct(b.sourceCer)}`,
      `adaptation data: ${total(t, 'train')} clips of ${r.targetAccent.accent} (\`${t.voice}\`) from ${r.budget.target.speakers.train} speakers, ${total(t, 'dev')} dev clips; ${r.budget.adaptSteps} steps of batch ${r.budget.batchSize} per row (${synth(t)})`,
      `test: ${total(t, 'test')} clips of ${r.budget.target.speakers.test} held-out ${r.targetAccent.accent} speakers and ${total(s, 'test')} of ${r.budget.sourceTest.speakers.test} held-out ${r.sourceAccent.accent} speakers (${synth(s)}); greedy CTC decoding`,
      `load average at the end: ${r.loadAverage.map((l) => l.toFixed(1)).join(', ')} (the machine is shared)`,
    ],
    table: methodTable(r.results, columns(r)),
    machine: r.machine,
    wallTimeSeconds: r.wallTimeSeconds,
    date: r.date,
    notes: [
      PROXY_NOTE,
      '',
      ...weightsNote('zero-shot and full fine-tuning'),
      `The "forgetting" column scores each adapted model on the held-out ${r.sourceAccent.accent} speakers.`,
      'See [speech.md](speech.md#demo) for the story and what the numbers do and do not show.',
    ],
    commands: [...r.commands],
  };
}

/** What `pnpm demo speech` prints on stdout. */
export function renderText(r: SpeechDemoReport): string {
  return [renderDemoText('peftkit speech demo', text(r)), '', PROXY_NOTE].join('\n');
}

/** The demo's section of docs/results.md. */
export function renderMarkdown(r: SpeechDemoReport, command: string): string {
  return renderDemoMarkdown('Speech', text(r), command);
}
