import * as tf from '@tensorflow/tfjs';
import { type BackendReport, initBackend } from '../../runtime/index.js';
import { formatKeyValues, printJson } from '../output.js';

export interface DoctorReport extends BackendReport {
  node: string;
  platform: string;
  peftkitVersion: string;
  tfjsBackends: string[];
  plugins: { id: string; version: string }[];
  presets: number;
}

/** Gathers what `peftkit doctor` reports: the backend choice and why, versions, plugins. */
export async function collectDoctorReport(version: string): Promise<DoctorReport> {
  const backend = await initBackend();
  return {
    ...backend,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    peftkitVersion: version,
    tfjsBackends: Object.keys(tf.engine().registryFactory),
    // The plugin host (issue 5) fills these; until then no plugin is loaded.
    plugins: [],
    presets: 0,
  };
}

export async function runDoctor(options: { json?: boolean }, version: string): Promise<void> {
  const report = await collectDoctorReport(version);
  if (options.json) {
    printJson(report);
    return;
  }
  const rows: [string, string][] = [
    ['peftkit', report.peftkitVersion],
    ['node', `${report.node} (${report.platform})`],
    ['tfjs', report.tfjsVersion],
    ['backend', `${report.backend} (${report.reason})`],
    ['simd', String(report.simd)],
    ['threads', String(report.threads)],
    ['kernel fixes', report.fixes.join(', ') || 'none'],
    ['plugins', report.plugins.map((p) => `${p.id}@${p.version}`).join(', ') || 'none'],
    ['presets', String(report.presets)],
  ];
  for (const s of report.skipped) rows.push([`skipped ${s.backend}`, s.reason]);
  process.stdout.write(`${formatKeyValues(rows)}\n`);
}
