/**
 * Plugins made of plain descriptor objects (no tensors) for the host's wiring tests. Not exported
 * from the package.
 */
import { ContainerModule } from 'inversify';
import { z } from 'zod';
import { definePlacement } from '../../peft/placement.js';
import type { RoleDeclarations } from '../../peft/roles.js';
import { Architecture } from '../architecture.js';
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

/**
 * An architecture that only describes itself (building or loading one throws); its placement
 * maps each declared role to a module of the same name.
 */
export function fakeArchitecture(id: string, declaredRoles?: RoleDeclarations): Architecture {
  const unbuildable = () => {
    throw new Error('fake architecture');
  };
  return {
    id,
    description: `fake ${id}`,
    configSchema: z.object({}),
    build: unbuildable,
    loadCheckpoint: async () => unbuildable(),
    saveCheckpoint: async () => unbuildable(),
    placement: () =>
      definePlacement({
        architecture: id,
        ...(declaredRoles ? { declaredRoles } : {}),
        modelRoles: Object.fromEntries(Object.keys(declaredRoles ?? {}).map((r) => [r, r])),
      }),
    ...(declaredRoles ? { declaredRoles } : {}),
  };
}

/** A plugin contributing the given presets (and readers, metrics, architectures), bound as constants. */
export function fakePlugin(
  id: string,
  contributions: {
    presets?: string[];
    readers?: string[];
    metrics?: string[];
    architectures?: Architecture[];
  },
): DomainPlugin {
  return definePlugin({
    id,
    version: '1.0.0',
    domain: id,
    description: `fake plugin ${id}`,
    module: new ContainerModule(({ bind }) => {
      for (const p of contributions.presets ?? []) bind(Preset).toConstantValue(fakePreset(p));
      for (const r of contributions.readers ?? []) bind(DatasetReader).toConstantValue(fakeReader(r));
      for (const a of contributions.architectures ?? []) bind(Architecture).toConstantValue(a);
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
