import type { Command } from 'commander';
import { modelConfigView } from '../../plugin/run-config/model-config-view.js';
import { validatePluginParts } from '../../plugin/run-config/plugin-parts.js';
import type { RunConfig } from '../../plugin/run-config/schema.js';
import type { CliContext } from '../context.js';
import { formatYaml, printJson, printText } from '../output.js';
import { addConfigFlags, addTrainingFlags, type RunFlags, resolveCliConfig } from '../run-options.js';

export function registerConfig(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('config')
    .description(
      'print the fully resolved run config (preset < --config file < --set < flags), with defaults',
    )
    .option('--out <dir>', 'output directory (output.dir)');
  addTrainingFlags(addConfigFlags(cmd))
    .option('--json', 'print one JSON object')
    .action(async (opts: RunFlags) => {
      const host = await ctx.getHost();
      const { config, origins } = await resolveCliConfig(host, opts);
      const parts = validatePluginParts(host, config, origins);
      const model = modelConfigView(config, parts, origins);
      // Show what the plugins will actually receive: their schemas' defaults applied.
      const shown: RunConfig = {
        ...config,
        data: { ...config.data, options: { ...parts.readerOptions } },
        preprocess: { ...config.preprocess, options: { ...parts.preprocessOptions } },
        ...(model ? { model: { ...config.model, config: model } } : {}),
        head: { ...config.head, config: parts.headConfig as Record<string, unknown> },
        peft:
          config.peft === 'full'
            ? 'full'
            : { ...host.peftMethods.get(config.peft.peftType).config.parse(config.peft) },
      };
      if (opts.json) return printJson(shown);
      printText(formatYaml(shown));
    });
}
