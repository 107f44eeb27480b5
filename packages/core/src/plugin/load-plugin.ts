import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type DomainPlugin, pluginProblems } from './domain-plugin.js';
import { enableTypeScriptPlugins, shareHostModules } from './host-modules.js';
import type { PluginFailure, PluginSource } from './plugin-source.js';

/** A plugin descriptor imported from a module, with where it came from. */
export interface DiscoveredPlugin {
  readonly plugin: DomainPlugin;
  readonly source: PluginSource;
}

/** A package whose package.json declares a peftkit plugin (not imported yet). */
export interface PluginPackage {
  readonly name: string;
  readonly version: string;
  readonly dir: string;
  /** Absolute path of the plugin module, from `"peftkit": { "plugin": "..." }`. */
  readonly entry?: string;
  /** Why the `peftkit` field is unusable, when it is. */
  readonly error?: string;
}

/**
 * The plugin module a package.json declares, or an error text when its `peftkit` field is not
 * `{ "plugin": "<relative module path>" }`; undefined when there is no `peftkit` field.
 */
export function pluginEntryOf(
  pkg: Record<string, unknown>,
  dir: string,
): string | { error: string } | undefined {
  const field = pkg['peftkit'];
  if (field === undefined) return undefined;
  const spec =
    typeof field === 'string'
      ? field
      : field && typeof field === 'object'
        ? (field as { plugin?: unknown }).plugin
        : undefined;
  if (typeof spec !== 'string' || spec === '') {
    return {
      error: `package.json 'peftkit' field must be { "plugin": "<module path>" }, got ${JSON.stringify(field)}`,
    };
  }
  return publishedEntry(path.resolve(dir, spec), dir);
}

/**
 * A published package ships compiled `dist/` without `src/`: a declared `src/<x>.ts` that is absent
 * maps to `dist/<x>.js` when that exists (so one `peftkit` field serves the repo and the tarball).
 */
function publishedEntry(entry: string, dir: string): string {
  const rel = path.relative(dir, entry);
  if (existsSync(entry) || !/^src[\\/].*\.[mc]?ts$/.test(rel)) return entry;
  const compiled = path.join(dir, rel.replace(/^src/, 'dist').replace(/\.([mc]?)ts$/, '.$1js'));
  return existsSync(compiled) ? compiled : entry;
}

/**
 * Imports a plugin module and returns its descriptor: the default export, or a named `plugin`
 * export. Its imports of `@peftkit/core` and tfjs resolve to the host's copies (see
 * host-modules.ts); TypeScript modules load through tsx (already active when running from sources).
 */
export async function importPlugin(entry: string): Promise<DomainPlugin> {
  let mod: Record<string, unknown>;
  try {
    shareHostModules();
    if (/\.[mc]?ts$/.test(entry)) await enableTypeScriptPlugins();
    mod = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
  } catch (err) {
    const text = err instanceof Error ? err.message.split('\n')[0] : String(err);
    const hint =
      entry.endsWith('.ts') && /Unknown file extension/i.test(String(text))
        ? ' (TypeScript plugins need a TypeScript-aware loader such as tsx, which bin/peftkit.js registers)'
        : '';
    throw new Error(`importing ${entry} failed: ${text}${hint}`, { cause: err });
  }
  const candidate = mod['default'] ?? mod['plugin'];
  if (candidate === undefined) {
    throw new Error(`${entry} has neither a default export nor a 'plugin' export`);
  }
  const problems = pluginProblems(candidate);
  if (problems.length)
    throw new Error(`${entry} does not export a valid peftkit plugin: ${problems.join('; ')}`);
  return candidate as DomainPlugin;
}

/** Reads `dir/package.json`, or undefined when there is none or it is not a JSON object. */
export async function readPackageJson(dir: string): Promise<Record<string, unknown> | undefined> {
  try {
    const value: unknown = JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8'));
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Imports a discovered package's plugin; failures are returned, not thrown. */
export async function loadPluginPackage(pkg: PluginPackage): Promise<DiscoveredPlugin | PluginFailure> {
  const source: PluginSource = {
    packageName: pkg.name,
    packageDir: pkg.dir,
    ...(pkg.entry ? { entry: pkg.entry } : {}),
  };
  if (pkg.entry === undefined) return { plugin: pkg.name, source, error: pkg.error ?? 'no plugin entry' };
  try {
    return { plugin: await importPlugin(pkg.entry), source };
  } catch (err) {
    return { plugin: pkg.name, source, error: err instanceof Error ? err.message : String(err), cause: err };
  }
}

/**
 * Loads a plugin named on the command line (`--plugin`): a package directory whose package.json
 * has a `peftkit` field, or a module file. Relative paths resolve against `cwd`.
 */
export async function loadPluginFrom(target: string, cwd: string): Promise<DiscoveredPlugin | PluginFailure> {
  const abs = (await installedPackageDir(target, cwd)) ?? path.resolve(cwd, target);
  const stat = await fs.stat(abs).catch(() => undefined);
  if (!stat) {
    return {
      plugin: target,
      error: `--plugin ${target}: no such file, directory or installed package (${path.resolve(cwd, target)})`,
    };
  }
  if (stat.isDirectory()) {
    const pkg = await readPackageJson(abs);
    const entry = pkg && pluginEntryOf(pkg, abs);
    if (!pkg || entry === undefined) {
      return {
        plugin: target,
        error: `--plugin ${target}: ${abs} has no package.json with a 'peftkit' field`,
      };
    }
    const name = typeof pkg['name'] === 'string' ? pkg['name'] : target;
    const version = typeof pkg['version'] === 'string' ? pkg['version'] : '0.0.0';
    return loadPluginPackage(
      typeof entry === 'string'
        ? { name, version, dir: abs, entry }
        : { name, version, dir: abs, error: entry.error },
    );
  }
  try {
    return { plugin: await importPlugin(abs), source: { entry: abs } };
  } catch (err) {
    return {
      plugin: target,
      source: { entry: abs },
      error: err instanceof Error ? err.message : String(err),
      cause: err,
    };
  }
}

/**
 * The directory of an installed package named `name` (`pkg` or `@scope/pkg`), looked up in the
 * node_modules folders from `cwd` upwards as Node does; undefined for paths and unknown names.
 */
async function installedPackageDir(name: string, cwd: string): Promise<string | undefined> {
  if (!/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i.test(name) || name.startsWith('.')) return undefined;
  if (await fs.stat(path.resolve(cwd, name)).catch(() => undefined)) return undefined;
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (await fs.stat(path.join(candidate, 'package.json')).catch(() => undefined)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** True for a failure record (as opposed to a loaded plugin). */
export function isPluginFailure(value: DiscoveredPlugin | PluginFailure): value is PluginFailure {
  return 'error' in value;
}
