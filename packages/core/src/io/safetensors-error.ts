/**
 * A malformed or unsupported safetensors file. The message always starts with the file (or
 * `<buffer>`) and names the tensor and header field at fault, so a user can find the problem
 * without a hex editor; the same facts are available as properties for programs.
 */
export class SafetensorsError extends Error {
  readonly source: string;
  readonly tensor: string | undefined;
  readonly field: string | undefined;

  constructor(source: string, detail: string, where: { tensor?: string; field?: string } = {}) {
    const parts = [`safetensors ${source}`];
    if (where.tensor !== undefined) parts.push(`tensor '${where.tensor}'`);
    if (where.field !== undefined) parts.push(`field '${where.field}'`);
    super(`${parts.join(': ')}: ${detail}`);
    this.name = 'SafetensorsError';
    this.source = source;
    this.tensor = where.tensor;
    this.field = where.field;
  }
}
