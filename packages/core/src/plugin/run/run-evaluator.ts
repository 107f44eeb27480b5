import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { writeDirAtomic, writeFileAtomic, writeJsonAtomic } from '../../io/atomic-write.js';
import type { EvaluationResult, Evaluator } from '../evaluator.js';
import { isPlainObject } from '../json.js';
import type { PeftkitHost } from '../peftkit-host.js';
import { formatZodIssues } from '../run-config/format-issues.js';
import { schemaKeysAt } from '../run-config/schema-keys.js';
import { UserError } from '../user-error.js';
import type { LoadedRun } from './load-run.js';
import { assertReplaceableOutDir, EVAL_MARKER } from './output-dir.js';

export interface RunEvaluatorOptions {
  /** Evaluator id; default the run config's `evaluation.evaluator`. */
  readonly evaluator?: string | undefined;
  /**
   * Options. When the evaluator is the run config's `evaluation.evaluator`, they are laid over its
   * `evaluation.options` (top-level keys replace), so `--options '{"episodes": 4}'` keeps the saved env.
   */
  readonly options?: Readonly<Record<string, unknown>> | undefined;
  /**
   * Where returned files are written, as one directory (with a `peftkit-eval.json` marker): it
   * must be new or empty, or an earlier eval output with `overwrite`. Without it files are not written.
   */
  readonly outDir?: string | undefined;
  /** Replace an earlier eval output in `outDir` wholesale. */
  readonly overwrite?: boolean;
  readonly log?: ((line: string) => void) | undefined;
}

export interface RunEvaluatorResult extends EvaluationResult {
  readonly evaluator: string;
  /** The validated options the evaluator ran with. */
  readonly options: unknown;
  /** Paths of the files written into `outDir`. */
  readonly written: string[];
}

/**
 * Runs a contributed `Evaluator` on a loaded run: picks it (`evaluator`, else the run config's
 * `evaluation` block), validates its options with the evaluator's schema (one `UserError` naming
 * every bad field, `options.episodes must be > 0`), evaluates, and writes the returned files
 * atomically into `outDir`.
 *
 * @example
 * const r = await runEvaluator(host, run, { evaluator: 'robotics/rollout', options: { episodes: 10 } });
 * r.metrics.pc_success;
 */
export async function runEvaluator(
  host: PeftkitHost,
  run: LoadedRun,
  o: RunEvaluatorOptions = {},
): Promise<RunEvaluatorResult> {
  const saved = (run.manifest.config as { evaluation?: { evaluator?: string; options?: unknown } })
    .evaluation;
  const id = o.evaluator ?? saved?.evaluator;
  if (!id) {
    throw new UserError(
      `${run.dir}: its run config names no evaluation; pass --data <path> or --evaluator <id> (installed: ${host.evaluators.ids().join(', ') || 'none'})`,
    );
  }
  const evaluator = host.evaluators.get(id);
  const savedOptions = id === saved?.evaluator && isPlainObject(saved.options) ? saved.options : {};
  const raw = { ...savedOptions, ...(o.options ?? {}) };
  const options = parseEvaluatorOptions(evaluator, raw);
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const outDir = o.outDir ? path.resolve(o.outDir) : undefined;
  if (outDir)
    await assertReplaceableOutDir(outDir, { command: 'eval', ours: 'eval', overwrite: o.overwrite ?? false });
  const result = await evaluator.evaluate(run, options, { log, outDir });
  const written: string[] = [];
  if (outDir && result.files?.length) {
    for (const file of result.files) {
      if (
        !file.name ||
        path.basename(file.name) !== file.name ||
        file.name.startsWith('.') ||
        file.name === EVAL_MARKER
      ) {
        throw new Error(`evaluator '${id}' returned a file named '${file.name}'; expected a plain file name`);
      }
    }
    // The whole directory at once: an earlier output is replaced, never mixed with this one.
    await writeDirAtomic(outDir, async (tmp) => {
      for (const file of result.files ?? []) await writeFileAtomic(path.join(tmp, file.name), file.content);
      await writeJsonAtomic(path.join(tmp, EVAL_MARKER), {
        format: 'peftkit-eval',
        evaluator: id,
        run: run.dir,
        metrics: result.metrics,
        files: (result.files ?? []).map((f) => f.name),
      });
    });
    for (const file of result.files) written.push(path.join(outDir, file.name));
  }
  return { evaluator: id, options: options as unknown, ...result, written };
}

/** `options` checked by the evaluator's schema; errors name each field (`options.episodes ...`). */
export function parseEvaluatorOptions(evaluator: Evaluator, options: unknown): Record<string, unknown> {
  const schema = evaluator.optionsSchema;
  if (!schema) return (options ?? {}) as Record<string, unknown>;
  const r = schema.safeParse(options ?? {});
  if (r.success) return r.data;
  const root = { options };
  const problems = formatZodIssues(r.error.issues, root, ['options'], (q) =>
    schemaKeysAt(schema, q.slice(1)),
  );
  throw new UserError(`evaluator '${evaluator.id}': ${problems.map((p) => p.text).join('; ')}`);
}

/**
 * `--options` of `peftkit eval`: inline JSON (`'{"episodes": 10}'`) or a path to a `.json`,
 * `.yaml` or `.yml` file holding a mapping.
 */
export async function readEvaluatorOptions(
  text: string,
  cwd = process.cwd(),
): Promise<Record<string, unknown>> {
  const trimmed = text.trim();
  let value: unknown;
  let name = '--options';
  if (trimmed.startsWith('{')) {
    try {
      value = JSON.parse(trimmed);
    } catch (err) {
      throw new UserError(`--options: not valid JSON: ${(err as Error).message}`);
    }
  } else {
    const file = path.resolve(cwd, trimmed);
    name = `--options ${trimmed}`;
    const ext = path.extname(file).toLowerCase();
    if (!['.json', '.yaml', '.yml'].includes(ext))
      throw new UserError(`${name}: expected inline JSON ({...}) or a .json/.yaml file`);
    const content = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new UserError(`${name}: ${err.code === 'ENOENT' ? 'not found' : err.message}`);
    });
    try {
      value = ext === '.json' ? JSON.parse(content) : parseYaml(content);
    } catch (err) {
      throw new UserError(`${name}: cannot parse: ${((err as Error).message.split('\n')[0] ?? '').trim()}`);
    }
  }
  if (!isPlainObject(value)) throw new UserError(`${name}: must be a mapping of option names to values`);
  return value;
}
