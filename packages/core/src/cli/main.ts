import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { runDoctor } from './commands/doctor.js';
import { UserError } from './user-error.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** Builds the `peftkit` command tree. Exported so tests can drive it without a subprocess. */
export function buildProgram(): Command {
  const program = new Command('peftkit')
    .description('Parameter-efficient fine-tuning for Node.js')
    .version(pkg.version)
    .option('--verbose', 'print stack traces for errors')
    .showHelpAfterError();

  program
    .command('doctor')
    .description(
      'report the tensor backend (and why better ones were skipped), versions and installed plugins',
    )
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }) => runDoctor(opts, pkg.version));

  return program;
}

/** Runs the CLI; returns the process exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    const verbose = argv.includes('--verbose');
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`peftkit: ${verbose && err instanceof Error && err.stack ? err.stack : message}\n`);
    return err instanceof UserError ? err.exitCode : 1;
  }
}
