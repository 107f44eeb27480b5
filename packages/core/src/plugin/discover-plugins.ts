import type { Dirent } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { exists } from '../io/read-json.js';
import {
  type DiscoveredPlugin,
  isPluginFailure,
  loadPluginPackage,
  type PluginPackage,
  pluginEntryOf,
  readPackageJson,
} from './load-plugin.js';
import type { PluginFailure } from './plugin-source.js';

export interface DiscoverOptions {
  /** Where to look from (default `process.cwd()`). */
  cwd?: string;
}

export interface DiscoveryResult {
  readonly plugins: readonly DiscoveredPlugin[];
  /** Packages that declare a plugin but could not be imported, by package name with the error. */
  readonly failures: readonly PluginFailure[];
}

/**
 * Finds installed plugins and imports them. A plugin package is any package whose package.json
 * has a `peftkit` field (`"peftkit": { "plugin": "./src/plugin.ts" }`), found in: the package
 * around `cwd`, the packages of the enclosing pnpm/npm/yarn workspace, and every `node_modules`
 * from `cwd` up to the file-system root (nearest first, as Node resolves). A package that fails
 * to import is reported in `failures`; the others still load.
 *
 * @example
 * const { plugins, failures } = await discoverPlugins({ cwd: process.cwd() });
 * const host = await createPeftkit({ plugins });
 */
export async function discoverPlugins(options: DiscoverOptions = {}): Promise<DiscoveryResult> {
  const packages = await findPluginPackages(options);
  const plugins: DiscoveredPlugin[] = [];
  const failures: PluginFailure[] = [];
  for (const pkg of packages) {
    const r = await loadPluginPackage(pkg);
    if (isPluginFailure(r)) failures.push(r);
    else plugins.push(r);
  }
  return { plugins, failures };
}

/** The plugin packages `discoverPlugins` would import, sorted by name, without importing them. */
export async function findPluginPackages(options: DiscoverOptions = {}): Promise<PluginPackage[]> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const dirs: string[] = [];
  const own = await nearestPackageDir(cwd);
  if (own) dirs.push(own);
  dirs.push(...(await workspacePackageDirs(cwd)));
  for (let dir = cwd; ; dir = path.dirname(dir)) {
    dirs.push(...(await nodeModulesPackageDirs(path.join(dir, 'node_modules'))));
    if (path.dirname(dir) === dir) break;
  }
  const byName = new Map<string, PluginPackage>();
  const seenDirs = new Set<string>();
  for (const dir of dirs) {
    const real = await fs.realpath(dir).catch(() => dir);
    if (seenDirs.has(real)) continue;
    seenDirs.add(real);
    const pkg = await readPackageJson(real);
    if (!pkg) continue;
    const entry = pluginEntryOf(pkg, real);
    if (entry === undefined) continue;
    const name = typeof pkg['name'] === 'string' ? pkg['name'] : path.basename(real);
    // The nearest copy of a package wins, as in Node's resolution.
    if (byName.has(name)) continue;
    const version = typeof pkg['version'] === 'string' ? pkg['version'] : '0.0.0';
    // A malformed field is kept (with its error) so the failure is reported by package name.
    byName.set(
      name,
      typeof entry === 'string'
        ? { name, version, dir: real, entry }
        : { name, version, dir: real, error: entry.error },
    );
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

async function nearestPackageDir(cwd: string): Promise<string | undefined> {
  for (let dir = cwd; ; dir = path.dirname(dir)) {
    if (await exists(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** Package dirs of the nearest enclosing workspace (pnpm-workspace.yaml or package.json `workspaces`). */
async function workspacePackageDirs(cwd: string): Promise<string[]> {
  for (let dir = cwd; ; dir = path.dirname(dir)) {
    const patterns = await workspacePatterns(dir);
    if (patterns) {
      const include = patterns.filter((p) => !p.startsWith('!'));
      const exclude = new Set<string>();
      for (const p of patterns.filter((p) => p.startsWith('!'))) {
        for (const d of await expandPattern(dir, p.slice(1))) exclude.add(d);
      }
      const out: string[] = [];
      for (const p of include) for (const d of await expandPattern(dir, p)) if (!exclude.has(d)) out.push(d);
      return out;
    }
    if (path.dirname(dir) === dir) return [];
  }
}

async function workspacePatterns(dir: string): Promise<string[] | undefined> {
  const yamlFile = path.join(dir, 'pnpm-workspace.yaml');
  if (await exists(yamlFile)) {
    try {
      const doc = parseYaml(await fs.readFile(yamlFile, 'utf8')) as { packages?: unknown } | null;
      return strings(doc?.packages);
    } catch {
      return [];
    }
  }
  const pkg = await readPackageJson(dir);
  const ws = pkg?.['workspaces'];
  if (ws === undefined) return undefined;
  return strings(Array.isArray(ws) ? ws : (ws as { packages?: unknown } | null)?.packages);
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** Expands a workspace glob (`packages/*`, `examples`, `libs/**`) to existing directories. */
async function expandPattern(root: string, pattern: string): Promise<string[]> {
  const parts = pattern
    .replace(/\/+$/, '')
    .split('/')
    .filter((p) => p && p !== '.');
  let current = [root];
  for (const part of parts) {
    const next: string[] = [];
    for (const dir of current) {
      if (part === '**') next.push(dir, ...(await subdirsDeep(dir, 4)));
      else if (part.includes('*')) {
        const re = new RegExp(`^${part.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
        for (const d of await subdirs(dir)) if (re.test(path.basename(d))) next.push(d);
      } else next.push(path.join(dir, part));
    }
    current = next;
  }
  const out: string[] = [];
  for (const d of current) if (await exists(path.join(d, 'package.json'))) out.push(d);
  return out;
}

async function subdirs(dir: string): Promise<string[]> {
  const entries: Dirent[] = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter(
      (e) => (e.isDirectory() || e.isSymbolicLink()) && !e.name.startsWith('.') && e.name !== 'node_modules',
    )
    .map((e) => path.join(dir, e.name));
}

async function subdirsDeep(dir: string, depth: number): Promise<string[]> {
  if (depth === 0) return [];
  const out: string[] = [];
  for (const d of await subdirs(dir)) out.push(d, ...(await subdirsDeep(d, depth - 1)));
  return out;
}

/** `node_modules/<name>` and `node_modules/@scope/<name>` directories. */
async function nodeModulesPackageDirs(nodeModules: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of await subdirs(nodeModules)) {
    if (path.basename(d).startsWith('@')) out.push(...(await subdirs(d)));
    else out.push(d);
  }
  return out;
}
