import type { Command } from 'commander';
import { CONTRIBUTION_KINDS } from '../../plugin/contribution-points.js';
import type { CliContext } from '../context.js';
import { printJson, printText } from '../output.js';

export function registerPlugins(program: Command, ctx: CliContext): void {
  program
    .command('plugins')
    .description('list installed plugins and what each contributes')
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }) => {
      const host = await ctx.getHost();
      const plugins = host.plugins.map((p) => ({
        id: p.plugin.id,
        version: p.plugin.version,
        domain: p.plugin.domain,
        description: p.plugin.description,
        package: p.source?.packageName ?? null,
        entry: p.source?.entry ?? null,
        contributes: p.contributes,
      }));
      const failures = host.failures.map((f) => ({
        plugin: f.plugin,
        package: f.source?.packageName ?? null,
        error: f.error,
      }));
      if (opts.json) return printJson({ plugins, failures });
      if (plugins.length === 0)
        printText('no plugins loaded; install a domain plugin (e.g. @peftkit/nlp) or pass --plugin <path>');
      for (const p of plugins) {
        const lines = [
          `${p.id}@${p.version}  (${p.domain})  ${p.package ?? p.entry ?? ''}`.trimEnd(),
          `  ${p.description}`,
        ];
        for (const kind of CONTRIBUTION_KINDS) {
          const ids = p.contributes[kind];
          if (ids.length) lines.push(`  ${kind.padEnd(14)} ${ids.join(', ')}`);
        }
        printText(lines.join('\n'));
      }
      for (const f of failures) printText(`not loaded: ${f.plugin}: ${f.error}`);
    });
}
