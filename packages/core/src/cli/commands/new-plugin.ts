import type { Command } from 'commander';
import { printJson, printText } from '../output.js';
import { scaffoldPlugin } from '../scaffold/index.js';

/** `peftkit new-plugin <name> [--out dir]`: scaffolds an out-of-repo plugin package. */
export function registerNewPlugin(program: Command): void {
  program
    .command('new-plugin <name>')
    .description('create a plugin package (reader, preprocessor, architecture, head, preset, test)')
    .option('--out <dir>', 'directory to create (default: ./<plugin id>)')
    .option('--json', 'print one JSON object')
    .action(async (name: string, opts: { out?: string; json?: boolean }) => {
      const result = await scaffoldPlugin(name, opts.out);
      if (opts.json) return printJson(result);
      printText(
        [
          `created ${result.packageName} (plugin id '${result.pluginId}') in ${result.dir}`,
          `  try: peftkit --plugin ${result.dir} train --preset ${result.pluginId}/classification --data points:?rows=400 --out runs/${result.pluginId}`,
        ].join('\n'),
      );
    });
}
