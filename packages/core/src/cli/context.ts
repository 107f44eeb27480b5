import type { DomainPlugin } from '../plugin/domain-plugin.js';
import { type DiscoveredPlugin, isPluginFailure, loadPluginFrom } from '../plugin/load-plugin.js';
import { createPeftkit, type PeftkitHost } from '../plugin/peftkit-host.js';
import type { PluginFailure } from '../plugin/plugin-source.js';

/** Options of `runCli` beyond argv: what tests and embedding programs inject. */
export interface RunCliOptions {
  /** Plugins to load before any `--plugin` or discovered ones. */
  plugins?: readonly DomainPlugin[];
  /** Working directory for discovery and relative paths (default `process.cwd()`). */
  cwd?: string;
  /** Look for installed plugins (default true; `--no-discover` turns it off). */
  discover?: boolean;
}

/** Global flags every command sees. */
export interface GlobalFlags {
  verbose?: boolean;
  plugin?: string[];
  discover?: boolean;
}

/** Per-invocation state shared by the commands: the lazily created plugin host and logging. */
export class CliContext {
  private host: Promise<PeftkitHost> | undefined;

  constructor(
    readonly options: RunCliOptions,
    private readonly flags: () => GlobalFlags,
  ) {}

  get cwd(): string {
    return this.options.cwd ?? process.cwd();
  }

  /** The global flags to repeat in a follow-up command (`--plugin`, `--no-discover`). */
  globalArgs(): string[] {
    const f = this.flags();
    return [
      ...(f.plugin ?? []).flatMap((p) => ['--plugin', p]),
      ...(f.discover === false ? ['--no-discover'] : []),
    ];
  }

  /** Logs for people go to stderr, so `--json` output on stdout stays one document. */
  log(line: string): void {
    process.stderr.write(`${line}\n`);
  }

  /**
   * The plugin host: injected plugins, then `--plugin` paths, then discovered ones. Plugins that
   * fail are reported on stderr once and left out.
   */
  getHost(): Promise<PeftkitHost> {
    this.host ??= this.createHost();
    return this.host;
  }

  private async createHost(): Promise<PeftkitHost> {
    const flags = this.flags();
    const explicit: DiscoveredPlugin[] = [];
    const failures: PluginFailure[] = [];
    for (const target of flags.plugin ?? []) {
      const r = await loadPluginFrom(target, this.cwd);
      if (isPluginFailure(r)) failures.push(r);
      else explicit.push(r);
    }
    const discover = (this.options.discover ?? true) && flags.discover !== false;
    const host = await createPeftkit({
      plugins: [...(this.options.plugins ?? []), ...explicit],
      discover: discover ? { cwd: this.cwd } : false,
      failures,
    });
    for (const f of host.failures)
      this.log(`peftkit: warning: plugin '${f.plugin}' was not loaded: ${f.error}`);
    return host;
  }
}
