import { Command, CommanderError } from 'commander';
import { PEFTKIT_VERSION } from '../plugin/version.js';
import { registerConfig } from './commands/config.js';
import { registerDoctor } from './commands/doctor.js';
import { registerEval } from './commands/eval.js';
import { registerInspect } from './commands/inspect.js';
import { registerMerge } from './commands/merge.js';
import { registerNewPlugin } from './commands/new-plugin.js';
import { registerPlugins } from './commands/plugins.js';
import { registerPredict } from './commands/predict.js';
import { registerPresets } from './commands/presets.js';
import { registerPretrain } from './commands/pretrain.js';
import { registerPush } from './commands/push.js';
import { registerServe } from './commands/serve.js';
import { registerSuggest } from './commands/suggest.js';
import { registerTrain } from './commands/train.js';
import { registerTuneLr } from './commands/tune-lr.js';
import { CliContext, type GlobalFlags, type RunCliOptions } from './context.js';
import { classifyError } from './exit-code.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * Builds the `peftkit` command tree. Exported so tests can drive it without a subprocess.
 * `exitOverride` is set before the subcommands are added so they inherit it: a parse error or
 * `--help` then throws a `CommanderError` instead of ending the process.
 */
export function buildProgram(options: RunCliOptions = {}): Command {
  const program = new Command('peftkit');
  program
    .description('Parameter-efficient fine-tuning for Node.js')
    .version(PEFTKIT_VERSION)
    .option('--verbose', 'print stack traces for errors')
    .option(
      '--plugin <path>',
      'load a plugin: package dir, module file or installed package name (repeatable)',
      collect,
    )
    .option('--no-discover', 'do not look for installed plugins')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  const ctx = new CliContext(options, () => program.opts<GlobalFlags>());
  registerDoctor(program, ctx, PEFTKIT_VERSION);
  registerPlugins(program, ctx);
  registerPresets(program, ctx);
  registerConfig(program, ctx);
  registerInspect(program, ctx);
  registerTrain(program, ctx);
  registerTuneLr(program, ctx);
  registerSuggest(program, ctx);
  registerEval(program, ctx);
  registerPredict(program, ctx);
  registerMerge(program, ctx);
  registerPretrain(program, ctx);
  registerPush(program, ctx);
  registerServe(program, ctx);
  registerNewPlugin(program);
  return program;
}

/**
 * Runs the CLI; resolves to the process exit code. User errors (bad flags, invalid configs,
 * unknown presets, missing files) print one line and exit 2; other errors exit 1. Stack traces
 * only with `--verbose`. With `--json`, stdout carries exactly one JSON document.
 *
 * @example
 * process.exitCode = await runCli(['train', '--preset', 'tabular/classification', '--data', 'x.csv']);
 */
export async function runCli(argv: readonly string[], options: RunCliOptions = {}): Promise<number> {
  const program = buildProgram(options);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    // Commander already printed its message; a bad flag or command is a user error (2).
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    const verbose = argv.includes('--verbose');
    const c = classifyError(err);
    const text =
      verbose && err instanceof Error && err.stack
        ? err.stack
        : c.userCaused
          ? c.message
          : `${c.message} (run with --verbose for the stack trace)`;
    process.stderr.write(`peftkit: ${text}\n`);
    return c.code;
  }
}
