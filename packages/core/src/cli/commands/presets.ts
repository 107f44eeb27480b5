import type { Command } from 'commander';
import type { PeftkitHost } from '../../plugin/peftkit-host.js';
import { validatePluginParts } from '../../plugin/run-config/plugin-parts.js';
import { resolveRunConfig } from '../../plugin/run-config/resolve.js';
import type { CliContext } from '../context.js';
import { formatKeyValues, formatTable, formatYaml, printJson, printText } from '../output.js';

/** One line of `peftkit presets`. */
export interface PresetSummary {
  id: string;
  domain: string;
  task: string;
  description: string;
  plugin: string | null;
  pretrain: boolean;
}

export function listPresets(host: PeftkitHost, domain?: string): PresetSummary[] {
  return host.presets
    .list()
    .filter((e) => domain === undefined || e.value.domain === domain)
    .map(({ value: p, plugin }) => ({
      id: p.id,
      domain: p.domain,
      task: p.task,
      description: p.description,
      plugin,
      pretrain: p.pretrain !== undefined,
    }));
}

/**
 * The config a preset resolves to on its own (defaults applied), or why it cannot yet (most
 * presets need data, which only the user can give).
 */
function resolvePresetAlone(host: PeftkitHost, id: string): { resolved: unknown; incomplete: string | null } {
  try {
    const { config, origins } = resolveRunConfig({ preset: host.presets.get(id) });
    validatePluginParts(host, config, origins);
    return { resolved: config, incomplete: config.data.train ? null : 'data.train (pass --data <path>)' };
  } catch (err) {
    return { resolved: null, incomplete: (err as Error).message };
  }
}

export function registerPresets(program: Command, ctx: CliContext): void {
  const presets = program
    .command('presets')
    .description('list the presets of the installed plugins')
    .option('--domain <domain>', 'only presets of this domain (nlp, vision, ...)')
    .option('--json', 'print one JSON array')
    .action(async (opts: { domain?: string; json?: boolean }) => {
      const host = await ctx.getHost();
      const list = listPresets(host, opts.domain);
      if (opts.json) return printJson(list);
      if (list.length === 0) {
        const where = opts.domain ? ` for domain '${opts.domain}'` : '';
        return printText(
          `no presets${where}; install a domain plugin (e.g. @peftkit/nlp) or pass --plugin <path>`,
        );
      }
      printText(
        formatTable(
          ['preset', 'task', 'description'],
          list.map((p) => [p.id, p.task, p.description]),
        ),
      );
    });

  presets
    .command('show <id>')
    .description('describe one preset and print its config')
    .option('--json', 'print one JSON object')
    .action(async (id: string, opts: { json?: boolean }) => {
      // `presets --json show x` puts the flag on the parent command.
      const asJson = opts.json || presets.opts<{ json?: boolean }>().json;
      const host = await ctx.getHost();
      const preset = host.presets.get(id);
      const resolved = resolvePresetAlone(host, id);
      const report = {
        id: preset.id,
        domain: preset.domain,
        task: preset.task,
        description: preset.description,
        plugin: host.presets.pluginOf(id) ?? null,
        config: preset.config,
        pretrain: preset.pretrain ?? null,
        perMethod: preset.perMethod ?? null,
        ...resolved,
      };
      if (asJson) return printJson(report);
      const rows: [string, string][] = [
        ['preset', preset.id],
        ['domain', preset.domain],
        ['task', preset.task],
        ['plugin', report.plugin ?? '?'],
        ['description', preset.description],
      ];
      if (preset.pretrain) rows.push(['pretrain', preset.pretrain.description]);
      printText(`${formatKeyValues(rows)}\n\nconfig:\n${indent(formatYaml(preset.config))}`);
      if (preset.perMethod) {
        printText(
          `\nper method (over config when the run uses that method):\n${indent(formatYaml(preset.perMethod))}`,
        );
      }
      if (resolved.incomplete) printText(`\nnote: needs more before it runs: ${resolved.incomplete}`);
    });
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
