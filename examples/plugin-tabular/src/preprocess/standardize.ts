import {
  type AnyDataset,
  type FitContext,
  isMapDataset,
  type JsonValue,
  type ModelBatch,
  type Preprocessor,
  type PreprocessorInstance,
  z,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import type { TabularRow } from '../data/row.js';

export const standardizeOptions = z.strictObject({
  /** Floor for a feature's standard deviation (a constant column would divide by zero). */
  minStd: z.number().positive().default(1e-6),
});

export type StandardizeOptions = z.output<typeof standardizeOptions>;

/** The saved state: feature names and per-feature mean and standard deviation. */
interface State {
  columns: string[];
  mean: number[];
  std: number[];
}

async function* rowsOf(ds: AnyDataset<TabularRow>): AsyncGenerator<TabularRow> {
  if (isMapDataset(ds)) for (let i = 0; i < ds.length; i++) yield await ds.get(i);
  else yield* ds;
}

/** One encoded row: standardised features and the label index (-1 when unknown). */
export interface EncodedRow {
  readonly x: Float32Array;
  readonly label: number;
}

/** Z-scores every feature with statistics fitted on the training rows. */
export class Standardizer implements PreprocessorInstance<TabularRow, EncodedRow, ModelBatch> {
  private state: State | undefined;

  constructor(private readonly options: StandardizeOptions) {}

  /**
   * Fits mean and std. With state restored from a base checkpoint, the columns must match the
   * base's (its input layer is wired to them), and the statistics are refitted: they describe
   * the new table, not the model.
   */
  async fit(train: AnyDataset<TabularRow>, context: FitContext): Promise<void> {
    let columns: readonly string[] | undefined;
    let n = 0;
    let sum: number[] = [];
    let sq: number[] = [];
    for await (const row of rowsOf(train)) {
      if (!columns) {
        columns = row.columns;
        sum = columns.map(() => 0);
        sq = columns.map(() => 0);
      }
      row.features.forEach((v, j) => {
        sum[j] = (sum[j] as number) + v;
        sq[j] = (sq[j] as number) + v * v;
      });
      n += 1;
    }
    if (!columns || n === 0) throw new Error('tabular/standardize: no training rows to fit on');
    if (context.restored && this.state && this.state.columns.join() !== columns.join()) {
      throw new Error(
        `tabular/standardize: the base was trained on columns [${this.state.columns.join(', ')}], this table has [${columns.join(', ')}]`,
      );
    }
    const mean = sum.map((s) => s / n);
    const std = sq.map((s, j) =>
      Math.max(this.options.minStd, Math.sqrt(Math.max(0, s / n - (mean[j] as number) ** 2))),
    );
    this.state = { columns: [...columns], mean, std };
  }

  private fitted(): State {
    if (!this.state) throw new Error('tabular/standardize: not fitted (call fit or loadState first)');
    return this.state;
  }

  encode(row: TabularRow): EncodedRow {
    const s = this.fitted();
    if (row.features.length !== s.columns.length) {
      throw new Error(
        `expected ${s.columns.length} features (${s.columns.join(', ')}), got ${row.features.length}`,
      );
    }
    const x = Float32Array.from(row.features, (v, j) => (v - (s.mean[j] as number)) / (s.std[j] as number));
    return { x, label: row.label };
  }

  /** `inputs: [x [N, F]]`, and int32 `targets [N]` when every row has a label. */
  collate(encoded: EncodedRow[]): ModelBatch {
    const width = this.fitted().columns.length;
    const flat = new Float32Array(encoded.length * width);
    for (const [i, e] of encoded.entries()) flat.set(e.x, i * width);
    const labelled = encoded.every((e) => e.label >= 0);
    return {
      inputs: [tf.tensor2d(flat, [encoded.length, width])],
      ...(labelled
        ? {
            targets: tf.tensor1d(
              encoded.map((e) => e.label),
              'int32',
            ),
          }
        : {}),
      size: encoded.length,
    };
  }

  /** `1.5,2,0.3` (columns in order) or `f0=1.5,f2=0.3,f1=2` (by name). */
  parseInput(input: string): TabularRow {
    const { columns } = this.fitted();
    const parts = input.split(',').map((p) => p.trim());
    const named = parts.every((p) => p.includes('='));
    const values = named ? columns.map(() => Number.NaN) : parts.map(Number);
    if (named) {
      for (const p of parts) {
        const [k, v] = p.split('=') as [string, string];
        const j = columns.indexOf(k.trim());
        if (j < 0) throw new Error(`unknown column '${k}' (columns: ${columns.join(', ')})`);
        values[j] = Number(v);
      }
    }
    if (values.length !== columns.length || values.some((v) => !Number.isFinite(v))) {
      throw new Error(`expected ${columns.length} numbers for ${columns.join(', ')}`);
    }
    return { features: values, label: -1, columns };
  }

  modelConfig(): Readonly<Record<string, unknown>> {
    return { in_features: this.fitted().columns.length };
  }

  /** A base built for another number of columns cannot read these rows. */
  requiredModelConfig(): Readonly<Record<string, unknown>> {
    return this.modelConfig();
  }

  saveState(): JsonValue {
    const s = this.fitted();
    return { columns: s.columns, mean: s.mean, std: s.std };
  }

  loadState(state: JsonValue): void {
    const s = state as unknown as State;
    if (!Array.isArray(s?.columns) || !Array.isArray(s.mean) || s.mean.length !== s.columns.length) {
      throw new Error('tabular/standardize: malformed saved state');
    }
    this.state = { columns: [...s.columns], mean: [...s.mean], std: [...s.std] };
  }
}

export const standardize: Preprocessor<TabularRow, EncodedRow, ModelBatch, StandardizeOptions> = {
  id: 'tabular/standardize',
  description: 'z-score each numeric feature with statistics fitted on the training table',
  optionsSchema: standardizeOptions,
  create: (options) => new Standardizer(options),
};
