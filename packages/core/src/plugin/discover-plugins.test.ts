import * as fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverPlugins, findPluginPackages } from './discover-plugins.js';
import { isPluginFailure, loadPluginFrom } from './load-plugin.js';
import { createPeftkit } from './peftkit-host.js';
import { fakePlugin } from './testing/fake-plugins.js';

/** A plugin module in plain ESM that binds one preset. */
function pluginSource(id: string, exportName: 'default' | 'plugin' = 'default'): string {
  return `import { ContainerModule } from 'inversify';
const plugin = {
  id: '${id}', version: '1.2.3', domain: '${id}', description: 'fixture',
  module: new ContainerModule(({ bind }) => {
    bind(Symbol.for('peftkit.Preset')).toConstantValue({ id: '${id}/p', domain: '${id}', task: 't', description: 'd', config: {} });
  }),
};
${exportName === 'default' ? 'export default plugin;' : 'export { plugin };'}
`;
}

let root: string;

async function write(rel: string, content: string | object): Promise<void> {
  const file = path.join(root, rel);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-discover-'));
  // The fixtures import inversify as a real plugin package would.
  const inversify = path.dirname(path.dirname(createRequire(import.meta.url).resolve('inversify')));
  await fs.mkdir(path.join(root, 'node_modules'), { recursive: true });
  await fs.symlink(inversify, path.join(root, 'node_modules', 'inversify'), 'dir');
  await write('package.json', { name: 'app', private: true });
  await write('pnpm-workspace.yaml', 'packages:\n  - libs/*\n  - "!libs/ignored"\n');
  await write('libs/good/package.json', {
    name: '@x/good',
    version: '2.0.0',
    peftkit: { plugin: './plugin.mjs' },
  });
  await write('libs/good/plugin.mjs', pluginSource('good'));
  await write('libs/plain/package.json', { name: 'plain' });
  await write('libs/ignored/package.json', { name: 'ignored', peftkit: { plugin: './nope.mjs' } });
  await write('node_modules/@scope/named/package.json', {
    name: '@scope/named',
    peftkit: { plugin: './p.mjs' },
  });
  await write('node_modules/@scope/named/p.mjs', pluginSource('named', 'plugin'));
  await write('node_modules/broken-plugin/package.json', {
    name: 'broken-plugin',
    peftkit: { plugin: './index.mjs' },
  });
  await write('node_modules/broken-plugin/index.mjs', "throw new Error('kaboom at import');\n");
  await write('node_modules/bad-field/package.json', { name: 'bad-field', peftkit: true });
  await write('node_modules/not-a-plugin/package.json', {
    name: 'not-a-plugin',
    peftkit: { plugin: './x.mjs' },
  });
  await write('node_modules/not-a-plugin/x.mjs', 'export default { id: 42 };\n');
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('discoverPlugins', () => {
  it('finds packages with a peftkit field in the workspace and node_modules', async () => {
    const found = await findPluginPackages({ cwd: path.join(root, 'libs', 'plain') });
    expect(found.map((p) => p.name)).toEqual([
      '@scope/named',
      '@x/good',
      'bad-field',
      'broken-plugin',
      'not-a-plugin',
    ]);
  });

  it('imports the good ones and reports each failure by package name; the rest still load', async () => {
    const { plugins, failures } = await discoverPlugins({ cwd: root });
    expect(plugins.map((p) => [p.plugin.id, p.source.packageName])).toEqual([
      ['named', '@scope/named'],
      ['good', '@x/good'],
    ]);
    const byName = Object.fromEntries(failures.map((f) => [f.plugin, f.error]));
    expect(Object.keys(byName).sort()).toEqual(['bad-field', 'broken-plugin', 'not-a-plugin']);
    expect(byName['broken-plugin']).toMatch(/importing .*index\.mjs failed: kaboom at import/);
    expect(byName['bad-field']).toContain(`'peftkit' field must be { "plugin": "<module path>" }`);
    expect(byName['not-a-plugin']).toContain(
      "does not export a valid peftkit plugin: 'id' must be a non-empty string",
    );

    const host = await createPeftkit({ discover: { cwd: root } });
    expect(host.presets.ids()).toEqual(['good/p', 'named/p']);
    expect(host.failures.map((f) => f.plugin).sort()).toEqual(['bad-field', 'broken-plugin', 'not-a-plugin']);
  });

  it('lets an explicit plugin shadow an installed one with the same id', async () => {
    const host = await createPeftkit({
      plugins: [fakePlugin('good', { presets: ['dev/p'] })],
      discover: { cwd: root },
    });
    expect(host.presets.ids()).toEqual(['dev/p', 'named/p']);
    expect(host.failures.map((f) => f.plugin)).not.toContain('good');
  });

  it('loads a --plugin given as a package dir or a module file', async () => {
    const fromDir = await loadPluginFrom('libs/good', root);
    expect(isPluginFailure(fromDir) ? fromDir.error : fromDir.plugin.id).toBe('good');
    const fromFile = await loadPluginFrom(path.join(root, 'node_modules/@scope/named/p.mjs'), root);
    expect(isPluginFailure(fromFile) ? fromFile.error : fromFile.plugin.id).toBe('named');
    const fromName = await loadPluginFrom('@scope/named', path.join(root, 'libs'));
    expect(isPluginFailure(fromName) ? fromName.error : fromName.plugin.id).toBe('named');
    const missing = await loadPluginFrom('nowhere', root);
    expect(isPluginFailure(missing) && missing.error).toContain(
      '--plugin nowhere: no such file, directory or installed package',
    );
  });
});
