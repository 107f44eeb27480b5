import { ContainerModule } from 'inversify';
import { describe, expect, it } from 'vitest';
import { defineConfig } from '../peft/config.js';
import { hasPeftMethod } from '../peft/registry.js';
import { defineTunerMethod } from '../peft/tuner.js';
import { type DomainPlugin, definePlugin } from './domain-plugin.js';
import { PeftMethodContribution } from './peft-method-contribution.js';
import { createPeftkit, PluginLoadError } from './peftkit-host.js';
import { Preset } from './preset.js';
import { UnknownContributionError } from './registry.js';
import { fakeArchitecture, fakePlugin, fakePreset, throwingPlugin } from './testing/fake-plugins.js';

describe('createPeftkit', () => {
  it('collects the contributions of two plugins with getAll and attributes each', async () => {
    const host = await createPeftkit({
      plugins: [
        fakePlugin('alpha', { presets: ['alpha/one', 'alpha/two'], readers: ['alpha/csv'] }),
        fakePlugin('beta', { presets: ['beta/one'], metrics: ['beta_score'] }),
      ],
    });
    expect(host.failures).toEqual([]);
    expect(host.presets.ids()).toEqual(['alpha/one', 'alpha/two', 'beta/one']);
    expect(host.presets.pluginOf('beta/one')).toBe('beta');
    expect(host.readers.get('alpha/csv').id).toBe('alpha/csv');
    expect(host.plugins.map((p) => [p.plugin.id, p.contributes.presets])).toEqual([
      ['alpha', ['alpha/one', 'alpha/two']],
      ['beta', ['beta/one']],
    ]);
    // Core's container really holds them: multi-injection sees all three presets.
    expect(host.container.getAll(Preset)).toHaveLength(3);
    expect(host.createMetric('beta_score').compute()).toBe(1);
    expect(host.createMetric('accuracy').name).toBe('accuracy');
  });

  it('reports a duplicate id naming both plugins and keeps the first plugin', async () => {
    const host = await createPeftkit({
      plugins: [
        fakePlugin('alpha', { presets: ['shared/p'] }),
        fakePlugin('beta', { presets: ['shared/p', 'beta/q'] }),
      ],
    });
    expect(host.failures).toHaveLength(1);
    expect(host.failures[0]?.plugin).toBe('beta');
    expect(host.failures[0]?.error).toContain(
      "preset 'shared/p' is contributed by both plugin 'alpha' and plugin 'beta'",
    );
    // The clashing plugin is left out entirely, including its other contributions.
    expect(host.presets.ids()).toEqual(['shared/p']);
    expect(host.presets.pluginOf('shared/p')).toBe('alpha');
    expect(host.container.getAll(Preset)).toHaveLength(1);
  });

  it('throws on a duplicate id with strict: true', async () => {
    const run = createPeftkit({
      strict: true,
      plugins: [fakePlugin('alpha', { readers: ['r'] }), fakePlugin('beta', { readers: ['r'] })],
    });
    await expect(run).rejects.toBeInstanceOf(PluginLoadError);
    await expect(
      createPeftkit({
        strict: true,
        plugins: [fakePlugin('alpha', { readers: ['r'] }), fakePlugin('beta', { readers: ['r'] })],
      }),
    ).rejects.toThrow(/dataset reader 'r' is contributed by both plugin 'alpha' and plugin 'beta'/);
  });

  it('reports a plugin that throws while loading; the others keep working', async () => {
    const host = await createPeftkit({
      plugins: [
        fakePlugin('alpha', { presets: ['alpha/one'] }),
        throwingPlugin('boom'),
        fakePlugin('gamma', { presets: ['gamma/one'] }),
      ],
    });
    expect(host.failures.map((f) => [f.plugin, f.error])).toEqual([
      ['boom', 'its ContainerModule threw: boom exploded'],
    ]);
    // What the failing module bound before it threw is unloaded again.
    expect(host.presets.ids()).toEqual(['alpha/one', 'gamma/one']);
    expect(host.plugins.map((p) => p.plugin.id)).toEqual(['alpha', 'gamma']);
  });

  it('rejects malformed contributions, twin plugin ids and metrics shadowing built-ins', async () => {
    const bad = definePlugin({
      id: 'bad',
      version: '1',
      domain: 'bad',
      description: 'binds a preset without config',
      module: new ContainerModule(({ bind }) => {
        bind(Preset).toConstantValue({
          id: 'bad/p',
          domain: 'bad',
          task: 't',
          description: 'd',
        } as unknown as Preset);
      }),
    });
    const host = await createPeftkit({
      plugins: [
        fakePlugin('alpha', {}),
        fakePlugin('alpha', { presets: ['a2/p'] }),
        bad,
        fakePlugin('m', { metrics: ['accuracy'] }),
        fakePlugin('twice', { presets: ['t/p', 't/p'] }),
      ],
    });
    const errors = Object.fromEntries(host.failures.map((f) => [f.plugin, f.error]));
    expect(errors['alpha']).toContain("plugin id 'alpha' is already loaded");
    expect(errors['bad']).toContain("preset 'bad/p' is malformed: 'config' must be an object");
    expect(errors['m']).toContain("metric 'accuracy' shadows a built-in metric");
    expect(errors['twice']).toContain("preset 't/p' is contributed twice by plugin 'twice'");
    expect(host.presets.size).toBe(0);
  });

  it('collects plugin roles; the same role described differently is a conflict', async () => {
    const conv = { 'conv.feature': 'convolutions of the feature extractor' };
    const host = await createPeftkit({
      plugins: [
        fakePlugin('speech', { architectures: [fakeArchitecture('speech/cnn', conv)] }),
        // Same name, same meaning: both plugins use one role.
        fakePlugin('robotics', {
          architectures: [
            fakeArchitecture('robotics/cnn', { ...conv, 'action.head': 'the layer that outputs actions' }),
          ],
        }),
        fakePlugin('clash', {
          architectures: [fakeArchitecture('clash/cnn', { 'conv.feature': 'something else' })],
        }),
        fakePlugin('self', {
          architectures: [
            fakeArchitecture('self/a', { 'self.part': 'one meaning' }),
            fakeArchitecture('self/b', { 'self.part': 'another meaning' }),
          ],
        }),
        fakePlugin('core-name', {
          architectures: [{ ...fakeArchitecture('core/x'), declaredRoles: { 'attn.q': 'mine' } } as never],
        }),
      ],
    });
    expect(host.declaredRoles()).toEqual([
      {
        role: 'action.head',
        description: 'the layer that outputs actions',
        plugins: ['robotics'],
        architectures: ['robotics/cnn'],
      },
      {
        role: 'conv.feature',
        description: 'convolutions of the feature extractor',
        plugins: ['robotics', 'speech'],
        architectures: ['robotics/cnn', 'speech/cnn'],
      },
    ]);
    const errors = Object.fromEntries(host.failures.map((f) => [f.plugin, f.error]));
    expect(errors['clash']).toBe(
      "role 'conv.feature' is declared by both plugin 'robotics' ('convolutions of the feature extractor') and plugin 'clash' ('something else'); a role has one meaning",
    );
    expect(errors['self']).toBe(
      "role 'self.part' is declared twice by plugin 'self' with different descriptions",
    );
    expect(errors['core-name']).toContain(
      "architecture 'core/x' is malformed: declaredRoles: 'attn.q' is a core role",
    );
    expect(host.architectures.ids()).toEqual(['robotics/cnn', 'speech/cnn']);
  });

  it('lists close matches for an unknown id', async () => {
    const host = await createPeftkit({
      plugins: [fakePlugin('nlp', { presets: ['nlp/sentiment', 'nlp/topic', 'nlp/causal-lm'] })],
    });
    let err: unknown;
    try {
      host.presets.get('nlp/sentimnt');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnknownContributionError);
    expect((err as Error).message).toBe(
      "unknown preset 'nlp/sentimnt' (did you mean 'nlp/sentiment'?); known presets: nlp/causal-lm, nlp/sentiment, nlp/topic",
    );
    expect(() => host.createMetric('acuracy')).toThrow("unknown metric 'acuracy' (did you mean 'accuracy'?)");
    const empty = await createPeftkit();
    expect(() => empty.presets.get('x')).toThrow('no presets are installed');
  });

  it('collects PEFT methods from plugins; built-in types and a second plugin cannot take a type', async () => {
    const method = (peftType: string): PeftMethodContribution => ({
      ...defineTunerMethod({
        peftType,
        config: defineConfig(peftType, {}),
        factories: [],
        layerClasses: [],
        mergeable: false,
      }),
      description: `fake ${peftType}`,
    });
    const contributing = (id: string, ...methods: PeftMethodContribution[]): DomainPlugin =>
      definePlugin({
        id,
        version: '1',
        domain: id,
        description: 'contributes PEFT methods',
        module: new ContainerModule(({ bind }) => {
          for (const m of methods) bind(PeftMethodContribution).toConstantValue(m);
        }),
      });
    const host = await createPeftkit({
      plugins: [
        contributing('scales', method('FEATURE_SCALE')),
        contributing('copycat', method('FEATURE_SCALE')),
        contributing('shadow', method('LORA')),
        contributing('lower', { ...method('LOWER'), peftType: 'lower' }),
      ],
    });
    const errors = Object.fromEntries(host.failures.map((f) => [f.plugin, f.error]));
    expect(errors['copycat']).toContain(
      "PEFT method 'FEATURE_SCALE' is contributed by both plugin 'scales' and plugin 'copycat'",
    );
    expect(errors['shadow']).toContain("PEFT method 'LORA' shadows a built-in PEFT method of @peftkit/core");
    expect(errors['lower']).toContain("'peftType' must be upper case, got 'lower'");
    expect(host.methods.pluginOf('FEATURE_SCALE')).toBe('scales');
    expect(host.plugins[0]?.contributes.methods).toEqual(['FEATURE_SCALE']);
    // Runs of this host find it (case-insensitively) next to the built-ins; the process does not.
    expect(host.peftMethods.get('feature_scale').peftType).toBe('FEATURE_SCALE');
    expect(host.peftMethods.get('LORA').peftType).toBe('LORA');
    expect(host.peftMethods.types()).toEqual(expect.arrayContaining(['FEATURE_SCALE', 'IA3', 'LORA']));
    expect(hasPeftMethod('FEATURE_SCALE')).toBe(false);
    expect(() => host.peftMethods.get('FEATURE_SCAL')).toThrow(
      "unknown PEFT method 'FEATURE_SCAL' (did you mean 'FEATURE_SCALE'?)",
    );
  });

  it('validates descriptors in definePlugin', () => {
    expect(() =>
      definePlugin({ id: '', version: '1', domain: 'd', description: 'x', module: {} } as never),
    ).toThrow(/'id' must be a non-empty string; 'module' must be an inversify ContainerModule/);
    expect(fakePreset('a/b').domain).toBe('a');
  });
});
