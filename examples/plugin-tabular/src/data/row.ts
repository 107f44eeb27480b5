/** One table row as the reader hands it to the preprocessor. */
export interface TabularRow {
  /** Numeric feature values, in `columns` order. */
  readonly features: readonly number[];
  /** Index into the label set, or -1 when unknown (prediction inputs). */
  readonly label: number;
  /** Feature column names (one shared array for the whole table). */
  readonly columns: readonly string[];
}
