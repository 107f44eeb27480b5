/**
 * Plugins made of plain descriptor objects (no tensors) for the host's wiring tests. Not exported
 * from the package.
 */
import { ContainerModule } from 'inversify';
import { DatasetReader } from '../dataset-reader.js';
import { type DomainPlugin, definePlugin } from '../domain-plugin.js';
import { MetricContribution } from '../metric-contribution.js';
import { Preset } from '../preset.js';
import type { RunConfigLayer } from '../run-config/schema.js';

export function fakePreset(id: string, config: RunConfigLayer = {}): Preset {
  const [domain = 'x', task = 'y'] = id.split('/');
  return { id, domain, task, description: `fake ${id}`, config };
}

export function fakeReader(id: string): DatasetReader {
  return {
    id,
    description: `fake ${id}`,
    formats: ['fake'],
    canRead: () => false,
    read: async () => {
      throw new Error('fake reader');
    },
  };
}

/** A plugin contributing the given presets (and readers), bound as constants. */
export function fakePlugin(
  id: string,
  contributions: { presets?: string[]; readers?: string[]; metrics?: string[] },
): DomainPlugin {
  return definePlugin({
    id,
    version: '1.0.0',
    domain: id,
    description: `fake plugin ${id}`,
    module: new ContainerModule(({ bind }) => {
      for (const p of contributions.presets ?? []) bind(Preset).toConstantValue(fakePreset(p));
      for (const r of contributions.readers ?? []) bind(DatasetReader).toConstantValue(fakeReader(r));
      for (const m of contributions.metrics ?? []) {
        bind(MetricContribution).toConstantValue({
          id: m,
          description: m,
          create: () => ({ name: m, update() {}, compute: () => 1, reset() {} }),
        });
      }
    }),
  });
}

/** A plugin whose ContainerModule binds one preset and then throws. */
export function throwingPlugin(id: string): DomainPlugin {
  return definePlugin({
    id,
    version: '1.0.0',
    domain: id,
    description: 'throws while loading',
    module: new ContainerModule(({ bind }) => {
      bind(Preset).toConstantValue(fakePreset(`${id}/half-bound`));
      throw new Error(`${id} exploded`);
    }),
  });
}
