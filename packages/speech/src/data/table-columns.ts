import { type CsvTable, UserError } from '@peftkit/core';

/** Column lookup with errors that list the columns the file has. */
export class TableColumns {
  constructor(
    private readonly table: CsvTable,
    private readonly file: string,
  ) {}

  /** Index of `name`, or an error naming the file, the column and the columns there are. */
  require(name: string, why = ''): number {
    const i = this.table.header.indexOf(name);
    if (i < 0) {
      throw new UserError(
        `${this.file}: no column '${name}'${why} (columns: ${this.table.header.join(', ')})`,
      );
    }
    return i;
  }

  /** `explicit` when set (must exist), else the first of `defaults` present, else undefined. */
  pick(explicit: string | undefined, defaults: readonly string[]): number | undefined {
    if (explicit !== undefined) return this.require(explicit);
    for (const d of defaults) {
      const i = this.table.header.indexOf(d);
      if (i >= 0) return i;
    }
    return undefined;
  }

  names(): string {
    return this.table.header.join(', ');
  }
}

/** `file:line column 'x'` for messages about a cell. */
export function cellWhere(file: string, line: number | undefined, column: string): string {
  return `${file}:${line ?? '?'} column '${column}'`;
}
