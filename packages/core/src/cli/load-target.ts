import { resolveModelPath } from '../io/hub/resolve-model-path.js';
import type { LoadedRun } from '../plugin/run/load-run.js';
import { loadRun } from '../plugin/run/load-run.js';
import { UserError } from '../plugin/user-error.js';
import type { CliContext } from './context.js';

/**
 * What `eval`, `predict` and `merge` load from `--adapter` / `--base`: a peftkit run directory
 * (`--base` replacing its base), a plain Hugging Face PEFT adapter directory (`--base` or its
 * `base_model_name_or_path`), or, with `--base` alone, a model without adapter (an HF task
 * checkpoint or a peftkit full/merged run). Each may also be a Hugging Face Hub id
 * (`org/name[@revision]`), read from or downloaded into the Hugging Face cache.
 */
export async function loadCliTarget(
  ctx: CliContext,
  opts: { adapter?: string | undefined; base?: string | undefined },
  command: string,
): Promise<LoadedRun> {
  const host = await ctx.getHost();
  const log = (line: string) => ctx.log(line);
  const resolve = (spec: string) => resolveModelPath(spec, { cwd: ctx.cwd, log });
  if (opts.adapter === undefined) {
    if (opts.base === undefined) throw new UserError(`${command}: give --adapter <dir> or --base <dir>`);
    return loadRun(host, await resolve(opts.base), { cwd: ctx.cwd, log });
  }
  return loadRun(host, await resolve(opts.adapter), {
    ...(opts.base ? { base: await resolve(opts.base) } : {}),
    cwd: ctx.cwd,
    log,
  });
}
