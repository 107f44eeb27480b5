import type { Preprocessor, PreprocessorInstance } from '../plugin/preprocessor.js';
import { UserError } from '../plugin/user-error.js';
import { type ByteInput, byteInputFromJson, isBase64Input, isDataUrl, parseByteInput } from './byte-input.js';

/**
 * An input of a JSON predict body: a string (what `peftkit predict` takes, or a base64 data:
 * URL), a JSON object or array (handed over as its JSON text), or `{ base64, mediaType? }`.
 */
export type PredictInput = string | Readonly<Record<string, unknown>> | readonly unknown[];

/** The run's preprocessor as the server uses it. */
export interface InputParser {
  readonly instance: PreprocessorInstance;
  readonly preprocessor: Pick<Preprocessor, 'id'>;
}

/** Examples for the batch, and what each answer echoes as its `input`. */
export interface ParsedInputs {
  readonly examples: unknown[];
  readonly echoes: unknown[];
}

/** What an answer echoes for a file input: never the bytes themselves. */
function echoOf(input: ByteInput): Record<string, unknown> {
  return { name: input.name, mediaType: input.mediaType, bytes: input.bytes.length };
}

/**
 * Parses the inputs of a JSON predict body: file bytes (`{ base64 }` objects, base64 data:
 * URLs) through the preprocessor's `parseBytes`, everything else through `parseInput` as
 * `peftkit predict` would get it. Errors name `inputs[i]`.
 */
export async function parseJsonInputs(
  run: InputParser,
  inputs: readonly PredictInput[],
  maxFileBytes: number,
): Promise<ParsedInputs> {
  const examples: unknown[] = [];
  const echoes: unknown[] = [];
  for (const [i, input] of inputs.entries()) {
    const field = `inputs[${i}]`;
    if (isBase64Input(input) || (typeof input === 'string' && isDataUrl(input))) {
      if (isBase64Input(input) && typeof input.base64 !== 'string') {
        throw new UserError(`${field}.base64: expected a string`);
      }
      const bytes = await byteInputFromJson(input, field, maxFileBytes);
      examples.push(await parseByteInput(run.instance, run.preprocessor.id, bytes, field));
      echoes.push(echoOf(bytes));
      continue;
    }
    examples.push(await parseText(run, typeof input === 'string' ? input : JSON.stringify(input), field));
    echoes.push(input);
  }
  return { examples, echoes };
}

/** Parses uploaded files (multipart parts) through `parseBytes`; errors name `fields[i]`. */
export async function parseFileInputs(
  run: InputParser,
  files: readonly ByteInput[],
  fields: readonly string[],
): Promise<ParsedInputs> {
  const examples: unknown[] = [];
  for (const [i, file] of files.entries()) {
    examples.push(await parseByteInput(run.instance, run.preprocessor.id, file, fields[i] ?? `file ${i}`));
  }
  return { examples, echoes: files.map(echoOf) };
}

async function parseText(run: InputParser, text: string, field: string): Promise<unknown> {
  const inst = run.instance;
  if (!inst.parseInput) {
    throw new UserError(`preprocessor '${run.preprocessor.id}' cannot read inputs (it has no parseInput)`);
  }
  try {
    // `predict` reads JSON inputs from the command line as text: the same text reaches the
    // preprocessor here, so the server needs no knowledge of what the JSON means.
    return await inst.parseInput(text);
  } catch (err) {
    throw new UserError(`${field}: ${(err as Error).message}`);
  }
}
