import { describe, expect, it } from 'vitest';
import type { PeftConfig } from './config.js';
import { type DefaultTargetTable, resolvePeftDefaults } from './defaults.js';
import { definePlacement } from './placement.js';
import { getPeftMethod } from './registry.js';
import { tinyBertPlacement } from './testing/index.js';
import './index.js';

/** The nlp plugin's table for BERT. */
const table: DefaultTargetTable = {
  LORA: { targetRoles: ['attn.q', 'attn.v'] },
  IA3: { targetRoles: ['attn.k', 'attn.v', 'ffn.down'] },
  BOTTLENECK: { targetRoles: ['block.ffn'] },
  '*': { targetRoles: ['attn.q'] },
};

function resolve(
  raw: Record<string, unknown>,
  options: { table?: DefaultTargetTable; placement?: unknown } = {},
) {
  const method = getPeftMethod(String(raw['peftType']));
  const placement = 'placement' in options ? options.placement : tinyBertPlacement;
  return resolvePeftDefaults(method, method.config.parse(raw), {
    placement: placement as typeof tinyBertPlacement | undefined,
    architectureDefaults: options.table,
  }) as Readonly<PeftConfig & Record<string, unknown>>;
}

describe('resolvePeftDefaults: one owner for default targets', () => {
  it('IA3 picks the paper roles and marks ffn.down feed-forward, with or without the architecture table', () => {
    for (const t of [undefined, table]) {
      const c = resolve({ peftType: 'IA3' }, { ...(t ? { table: t } : {}) });
      expect(c.targetRoles).toEqual(['attn.k', 'attn.v', 'ffn.down']);
      expect(c['feedforwardModules']).toEqual(['ffn.down']);
    }
    // Roles the user names get the same feed-forward default; an explicit [] keeps output scaling.
    expect(resolve({ peftType: 'IA3', targetRoles: ['ffn.down'] })['feedforwardModules']).toEqual([
      'ffn.down',
    ]);
    expect(
      resolve({ peftType: 'IA3', targetRoles: ['ffn.down'], feedforwardModules: [] })['feedforwardModules'],
    ).toEqual([]);
    // A CNN declares none of those roles: the architecture's '*' (its convolutions) is used.
    const cnn = definePlacement({ architecture: 'cnn', modelRoles: { conv: ['conv1', 'conv2'] } });
    const convs = resolve({ peftType: 'IA3' }, { table: { '*': { targetRoles: ['conv'] } }, placement: cnn });
    expect([convs.targetRoles, convs['feedforwardModules']]).toEqual([['conv'], undefined]);
    expect(() => resolve({ peftType: 'IA3' }, { placement: cnn })).toThrow(
      /IA3: no targets given and placement 'cnn' declares none of attn\.k, attn\.v, attn\.qkv, ffn\.down/,
    );
    // Module names alone say nothing about roles: nothing is marked feed-forward.
    expect(resolve({ peftType: 'IA3', targetModules: ['key'] })['feedforwardModules']).toBeUndefined();
  });

  it("SELECTIVE keeps its own selection: the table's '*' targets are never added to trainableModules", () => {
    const c = resolve({ peftType: 'SELECTIVE', trainableModules: ['adapter_layer'] }, { table });
    expect([c.targetRoles, c.targetModules]).toEqual([undefined, undefined]);
    expect(c['trainableModules']).toEqual(['adapter_layer']);
  });

  it("bottleneck variants place themselves; the table's single entry cannot turn Houlsby into Pfeiffer", () => {
    expect(resolve({ peftType: 'BOTTLENECK', variant: 'houlsby' }, { table }).targetRoles).toEqual([
      'block.attn',
      'block.ffn',
    ]);
    expect(resolve({ peftType: 'BOTTLENECK' }, { table }).targetRoles).toEqual(['block.ffn']);
    const ffnOnly = definePlacement({
      architecture: 'ffn-only',
      layers: 'encoder.layer',
      layerRoles: { 'block.ffn': 'output.dense' },
    });
    expect(() =>
      resolve({ peftType: 'BOTTLENECK', variant: 'houlsby' }, { table, placement: ffnOnly }),
    ).toThrow(
      /variant 'houlsby' goes at roles block\.attn, block\.ffn, but placement 'ffn-only' does not declare block\.attn/,
    );
    // A placement with none of the roles falls back on the architecture's entry.
    const bare = definePlacement({ architecture: 'bare', modelRoles: { head: 'classifier' } });
    const named = { BOTTLENECK: { targetModules: ['output.dense'] } };
    expect(resolve({ peftType: 'BOTTLENECK' }, { table: named, placement: bare }).targetModules).toEqual([
      'output.dense',
    ]);
  });

  it("methods without defaults of their own take the architecture's entry, else '*'; user targets win", () => {
    expect(resolve({ peftType: 'LORA' }, { table }).targetRoles).toEqual(['attn.q', 'attn.v']);
    expect(resolve({ peftType: 'LOHA' }, { table }).targetRoles).toEqual(['attn.q']);
    expect(resolve({ peftType: 'LORA' }).targetRoles).toBeUndefined();
    expect(resolve({ peftType: 'LORA', targetModules: ['query'] }, { table }).targetRoles).toBeUndefined();
    // Prompt learning and LN tuning choose their role, never the table's '*'.
    expect(resolve({ peftType: 'PROMPT_TUNING', numVirtualTokens: 2 }, { table }).targetRoles).toEqual([
      'embed',
    ]);
    expect(resolve({ peftType: 'LN_TUNING' }, { table }).targetRoles).toEqual(['norm']);
  });

  it('is idempotent: resolving a resolved config returns it unchanged', () => {
    for (const raw of [
      { peftType: 'IA3' },
      { peftType: 'BOTTLENECK', variant: 'houlsby' },
      { peftType: 'LORA' },
    ]) {
      const once = resolve(raw, { table });
      const method = getPeftMethod(raw.peftType);
      expect(
        resolvePeftDefaults(method, once, { placement: tinyBertPlacement, architectureDefaults: table }),
      ).toBe(once);
      expect(Object.isFrozen(once)).toBe(true);
    }
  });
});
