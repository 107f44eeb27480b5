import * as path from 'node:path';
import type { LoadedRun } from '../plugin/run/load-run.js';
import { loadRun } from '../plugin/run/load-run.js';
import { UserError } from '../plugin/user-error.js';
import type { CliContext } from './context.js';

/**
 * What `eval`, `predict` and `merge` load from `--adapter` / `--base`: a peftkit run directory
 * (`--base` replacing its base), a plain Hugging Face PEFT adapter directory (`--base` or its
 * `base_model_name_or_path`), or, with `--base` alone, a model without adapter (an HF task
 * checkpoint or a peftkit full/merged run).
 */
export async function loadCliTarget(
  ctx: CliContext,
  opts: { adapter?: string | undefined; base?: string | undefined },
  command: string,
): Promise<LoadedRun> {
  const host = await ctx.getHost();
  const log = (line: string) => ctx.log(line);
  if (opts.adapter === undefined) {
    if (opts.base === undefined) throw new UserError(`${command}: give --adapter <dir> or --base <dir>`);
    return loadRun(host, path.resolve(ctx.cwd, opts.base), { cwd: ctx.cwd, log });
  }
  return loadRun(host, path.resolve(ctx.cwd, opts.adapter), {
    ...(opts.base ? { base: path.resolve(ctx.cwd, opts.base) } : {}),
    cwd: ctx.cwd,
    log,
  });
}
