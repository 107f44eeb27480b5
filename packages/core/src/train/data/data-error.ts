/**
 * An example could not be read or encoded: a truncated image, a malformed row, a file that
 * vanished. Raised by `DataLoader` with the loader, batch and example named; the CLI treats it
 * as the user's data being at fault (exit 2), like a `UserError`.
 */
export class DataError extends Error {
  override readonly name: string = 'DataError';
}
