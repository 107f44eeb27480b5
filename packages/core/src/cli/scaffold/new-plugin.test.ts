import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPluginPackages } from '../../plugin/discover-plugins.js';
import { UserError } from '../../plugin/user-error.js';
import { spawnedCli } from '../testing/spawned-cli.js';
import { pluginIdOf, scaffoldPlugin } from './new-plugin.js';

// A project outside the workspace: the scaffolded plugin is "installed" into its node_modules
// (a symlink, as `npm install ../plugin` makes) and has no node_modules of its own, so its
// `@peftkit/core` and tfjs imports only resolve through the host.
let project: string;
let pluginDir: string;

beforeAll(async () => {
  project = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-new-plugin-'));
  await fs.writeFile(path.join(project, 'package.json'), '{ "name": "consumer", "private": true }\n');
  pluginDir = path.join(project, 'points-plugin');
});
afterAll(async () => {
  await fs.rm(project, { recursive: true, force: true });
});

describe('peftkit new-plugin', () => {
  it('derives the plugin id from the package name and refuses bad names and existing dirs', async () => {
    expect(pluginIdOf('@me/peftkit-points')).toBe('points');
    expect(pluginIdOf('peftkit-plugin-audio-x')).toBe('audio-x');
    await expect(scaffoldPlugin('Bad Name', path.join(project, 'x'))).rejects.toThrow(UserError);
    await expect(scaffoldPlugin('ok', project)).rejects.toThrow(/already exists/);
  });

  it('scaffolds a package that is discovered from node_modules and trains with the host copy of core', async () => {
    const made = await scaffoldPlugin('@me/peftkit-points', pluginDir);
    expect(made.files).toEqual(expect.arrayContaining(['package.json', 'src/index.ts', 'src/index.test.ts']));
    const pkg = JSON.parse(await fs.readFile(path.join(pluginDir, 'package.json'), 'utf8'));
    expect(Object.keys(pkg.peerDependencies)).toEqual(['@peftkit/core', '@tensorflow/tfjs']);
    expect(await fs.stat(path.join(pluginDir, 'node_modules')).catch(() => null)).toBeNull();

    await fs.mkdir(path.join(project, 'node_modules', '@me'), { recursive: true });
    await fs.symlink(pluginDir, path.join(project, 'node_modules', '@me', 'peftkit-points'), 'dir');
    const found = await findPluginPackages({ cwd: project });
    expect(found.map((p) => p.name)).toContain('@me/peftkit-points');

    const cli = spawnedCli({ cwd: project, env: { PEFTKIT_BACKEND: 'cpu' } });
    const stdout = (
      await cli.ok([
        'train',
        '--json',
        '--preset',
        'points/classification',
        '--data',
        'points:?rows=200',
        '--epochs',
        '2',
      ])
    ).stdout;
    const result = JSON.parse(stdout) as { status: string; labels: string[]; summary: { steps: number } };
    expect(result.status).toBe('complete');
    expect(result.labels).toEqual(['inside', 'outside']);
    expect(result.summary.steps).toBeGreaterThan(0);
  });
});
