import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { AnyModule } from '../../nn/module.js';
import type { LrFinderResult } from '../../train/lr-finder/find-lr.js';
import type { PeftkitHost } from '../peftkit-host.js';
import type { RunConfig } from '../run-config/schema.js';
import { applyPeft, freezeFixedHead } from './build-model.js';
import { describeLrChoice, methodLabel, sweepRunLr, writeLrSweepFiles } from './lr-sweep.js';
import { prepareRun } from './prepare-run.js';
import { trainBatchLoader } from './train-loader.js';

export interface TuneLrRunOptions {
  readonly config: RunConfig;
  readonly origins?: ReadonlyMap<string, string>;
  /** Where `lr-finder.svg` and `lr-finder.json` go (created if missing); nothing is written without it. */
  readonly outDir?: string;
  readonly log?: (line: string) => void;
}

export interface TuneLrRunResult {
  /** `LORA r=8`, `IA3`, `full fine-tuning`. */
  readonly method: string;
  readonly trainableParameters: number;
  readonly totalParameters: number;
  readonly result: LrFinderResult;
  /** Files written (absolute paths). */
  readonly files: readonly string[];
}

/**
 * `peftkit tune-lr`: builds the run exactly as `train` would (data, preprocessor, base, head, the
 * PEFT method or full training) and runs the learning-rate range test on it instead of training.
 * Nothing but the two lr-finder files is written; the model is disposed.
 *
 * @example
 * const { result } = await tuneLrRun(host, { config });
 * console.log(result.suggestion.lr);
 */
export async function tuneLrRun(host: PeftkitHost, o: TuneLrRunOptions): Promise<TuneLrRunResult> {
  const { config } = o;
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const prepared = await prepareRun(host, config, {
    readData: true,
    log,
    ...(o.origins ? { origins: o.origins } : {}),
  });
  const { parts, built } = prepared;
  const data = prepared.data!;
  let model: AnyModule = built.headed.model;
  try {
    const train = await trainBatchLoader(prepared, config, log);
    if (config.peft !== 'full') model = applyPeft(host, config, built, (m) => log(`warning: ${m}`));
    freezeFixedHead(config, built.headed);
    const method = methodLabel(config);
    const result = await sweepRunLr({
      config,
      model,
      train,
      head: parts.head,
      headConfig: parts.headConfig,
      labels: data.labels,
    });
    log(describeLrChoice(result, method));
    let files: string[] = [];
    if (o.outDir) {
      await fs.mkdir(o.outDir, { recursive: true });
      files = await writeLrSweepFiles(path.resolve(o.outDir), result, method);
    }
    const trainable = model.namedParameters({ trainableOnly: true }).reduce((n, [, p]) => n + p.size, 0);
    return { method, trainableParameters: trainable, totalParameters: model.numParameters(), result, files };
  } finally {
    model.dispose();
  }
}
