import { describeMachine, type MachineInfo } from './machine.js';
import { markdownTable, textTable } from './table.js';

/** What a demo's stdout and its results.md section are made of. */
export interface DemoReportText {
  /** One line: what the demo shows. */
  readonly title: string;
  /** Lines that say what was compared and how (base, data, budget). */
  readonly facts: readonly string[];
  readonly table: readonly [header: string[], rows: string[][]];
  readonly machine: MachineInfo;
  readonly wallTimeSeconds: number;
  readonly date: string;
  /** A paragraph under the markdown table, one string per line. */
  readonly notes: readonly string[];
  /** Every `peftkit` command behind the table. */
  readonly commands: readonly string[];
}

/**
 * The paragraph every method table needs: what "weights file" and "train time" count. `full`
 * names the rows that ship a whole checkpoint.
 */
export function weightsNote(full: string): string[] {
  return [
    '"weights file" is what each method adds on top of the shared base: `adapter_model.safetensors`',
    'for adapters and the linear probe, the whole checkpoint (`model.safetensors` + `head.safetensors`)',
    `for ${full}. "train time" is the whole \`train\` run: data, model, training and saving.`,
  ];
}

/** The table for the terminal, with the facts above and the machine below. */
export function renderDemoText(prefix: string, t: DemoReportText): string {
  return [
    `${prefix}: ${t.title}`,
    '',
    ...t.facts,
    '',
    textTable(...t.table),
    '',
    `machine: ${describeMachine(t.machine)}`,
    `total wall time: ${t.wallTimeSeconds.toFixed(1)} s`,
  ].join('\n');
}

/**
 * A demo's section of docs/results.md: heading, how it was run (`command`), the facts, the table,
 * the notes, then every `peftkit` command behind the table.
 */
export function renderDemoMarkdown(heading: string, t: DemoReportText, command: string): string {
  return [
    `## ${heading}: ${t.title}`,
    '',
    `- command: \`${command}\``,
    `- date: ${t.date}`,
    `- machine: ${describeMachine(t.machine)}`,
    `- total wall time: ${t.wallTimeSeconds.toFixed(1)} s`,
    ...t.facts.map((f) => `- ${f}`),
    '',
    markdownTable(...t.table),
    '',
    ...t.notes,
    '',
    '<details><summary>The same steps with the CLI</summary>',
    '',
    '```sh',
    ...t.commands,
    '```',
    '',
    '</details>',
  ].join('\n');
}
