import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { Command } from 'commander';
import type { PeftkitHost } from '../../plugin/peftkit-host.js';
import { type BackendReport, initBackend } from '../../runtime/index.js';
import type { CliContext } from '../context.js';
import { formatKeyValues, printJson, printText } from '../output.js';

export interface DoctorReport extends BackendReport {
  node: string;
  platform: string;
  peftkitVersion: string;
  tfjsBackends: string[];
  plugins: { id: string; version: string; domain: string; source: string | null }[];
  /** Plugins that were found but not loaded, with the reason. */
  pluginFailures: { plugin: string; error: string }[];
  presets: number;
  /** Roles the plugins declare beyond core's vocabulary, with who declared them. */
  declaredRoles: { role: string; description: string; plugins: string[]; architectures: string[] }[];
  /** Every PEFT method runs can use, with the plugin that contributed it (`null`: core). */
  methods: { peftType: string; plugin: string | null }[];
  /** Evaluators `peftkit eval --evaluator` can run, with their plugins. */
  evaluators: { id: string; description: string; plugin: string }[];
  /** What `training.workers` can use: cores, and whether shared memory and its waits work here. */
  workers: { cores: number; sharedMemory: boolean };
}

/** Gathers what `peftkit doctor` reports: the backend choice and why, versions, plugins. */
export async function collectDoctorReport(version: string, host: PeftkitHost): Promise<DoctorReport> {
  const backend = await initBackend();
  return {
    ...backend,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    peftkitVersion: version,
    tfjsBackends: Object.keys(tf.engine().registryFactory),
    plugins: host.plugins.map((p) => ({
      id: p.plugin.id,
      version: p.plugin.version,
      domain: p.plugin.domain,
      source: p.source?.packageName ?? p.source?.entry ?? null,
    })),
    pluginFailures: host.failures.map((f) => ({ plugin: f.plugin, error: f.error })),
    presets: host.presets.size,
    declaredRoles: host.declaredRoles().map((d) => ({
      role: d.role,
      description: d.description,
      plugins: [...d.plugins],
      architectures: [...d.architectures],
    })),
    methods: host.peftMethods
      .types()
      .map((peftType) => ({ peftType, plugin: host.methods.pluginOf(peftType) ?? null })),
    evaluators: host.evaluators
      .list()
      .map((e) => ({ id: e.value.id, description: e.value.description, plugin: e.plugin })),
    workers: {
      cores: availableParallelism(),
      sharedMemory:
        typeof SharedArrayBuffer === 'function' &&
        typeof (Atomics as { waitAsync?: unknown }).waitAsync === 'function',
    },
  };
}

/** Where matMul runs: the native GEMM (with threads), or the backend's own kernel and why. */
function matMulPath(report: BackendReport): string {
  const native = report.nativeMatMul;
  if (native === null) return `${report.backend} kernels`;
  if (native.enabled) {
    return `native (onnxruntime-node ${native.onnxruntimeVersion}, ${native.threads} thread(s))`;
  }
  return `wasm (${native.reason})`;
}

export function registerDoctor(program: Command, ctx: CliContext, version: string): void {
  program
    .command('doctor')
    .description(
      'report the tensor backend (and why better ones were skipped), versions and installed plugins',
    )
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }) => {
      const report = await collectDoctorReport(version, await ctx.getHost());
      if (opts.json) return printJson(report);
      const rows: [string, string][] = [
        ['peftkit', report.peftkitVersion],
        ['node', `${report.node} (${report.platform})`],
        ['tfjs', report.tfjsVersion],
        ['backend', `${report.backend} (${report.reason})`],
        ['simd', String(report.simd)],
        ['threads', String(report.threads)],
        ['matMul', matMulPath(report)],
        [
          'workers',
          report.workers.sharedMemory
            ? `training.workers up to ${report.workers.cores} (cores); auto uses them for large steps`
            : 'unavailable (no SharedArrayBuffer / Atomics.waitAsync)',
        ],
        ['kernel fixes', report.fixes.join(', ') || 'none'],
        ['plugins', report.plugins.map((p) => `${p.id}@${p.version}`).join(', ') || 'none'],
        ['presets', String(report.presets)],
        [
          'plugin roles',
          report.declaredRoles.map((d) => `${d.role} (${d.plugins.join(', ')})`).join(', ') || 'none',
        ],
        [
          'peft methods',
          report.methods.map((m) => (m.plugin ? `${m.peftType} (${m.plugin})` : m.peftType)).join(', '),
        ],
        ['evaluators', report.evaluators.map((e) => `${e.id} (${e.plugin})`).join(', ') || 'none'],
      ];
      for (const s of report.skipped) rows.push([`skipped ${s.backend}`, s.reason]);
      for (const f of report.pluginFailures) rows.push([`failed plugin ${f.plugin}`, f.error]);
      printText(formatKeyValues(rows));
    });
}
