import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { writeDirAtomic } from '../../io/atomic-write.js';
import { UserError } from '../../plugin/user-error.js';
import { PEFTKIT_VERSION } from '../../plugin/version.js';
import { PLUGIN_TEMPLATE } from './plugin-template.js';

const PACKAGE_NAME = /^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/;

/** What `scaffoldPlugin` wrote. */
export interface ScaffoldResult {
  /** The package directory. */
  readonly dir: string;
  readonly packageName: string;
  /** The plugin id: the package name without scope and `peftkit-` prefix. */
  readonly pluginId: string;
  /** Files written, relative to `dir`. */
  readonly files: readonly string[];
}

/** The plugin id for a package name: `@me/peftkit-points` -> `points`. */
export function pluginIdOf(packageName: string): string {
  return packageName.replace(/^@[^/]+\//, '').replace(/^peftkit-(plugin-)?/, '') || packageName;
}

/**
 * Writes a new plugin package named `packageName` into `outDir` (default `./<id>`), which must
 * not exist yet: package.json with `@peftkit/core` and tfjs as peer dependencies, a plugin
 * registering a reader, preprocessor, architecture, head and preset, and a test.
 */
export async function scaffoldPlugin(packageName: string, outDir?: string): Promise<ScaffoldResult> {
  if (!PACKAGE_NAME.test(packageName)) {
    throw new UserError(
      `new-plugin: '${packageName}' is not a valid npm package name (lower case, e.g. peftkit-points or @me/points)`,
    );
  }
  const pluginId = pluginIdOf(packageName);
  const dir = path.resolve(outDir ?? pluginId);
  if (await fs.stat(dir).catch(() => undefined)) {
    throw new UserError(`new-plugin: ${dir} already exists; choose another --out`);
  }
  const fill = (text: string) =>
    text.replaceAll('PACKAGE', packageName).replaceAll('VERSION', PEFTKIT_VERSION).replaceAll('ID', pluginId);
  const files = Object.keys(PLUGIN_TEMPLATE).sort();
  await writeDirAtomic(dir, async (tmp) => {
    for (const file of files) {
      const target = path.join(tmp, file);
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.writeFile(target, fill(PLUGIN_TEMPLATE[file] as string));
    }
  });
  return { dir, packageName, pluginId, files };
}
