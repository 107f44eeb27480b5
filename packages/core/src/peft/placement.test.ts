import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { getPeftModel } from './peft-model.js';
import { checkPlacement, definePlacement, resolveRole } from './placement.js';
import { defineRoles, describeRole, ROLES } from './roles.js';
import { TinyConvNet } from './testing/index.js';
import './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const CONV_ROLES = defineRoles({
  'conv.feature': 'convolutions of the feature extractor',
  'action.head': 'the layer that outputs actions',
});

const convPlacement = definePlacement({
  architecture: 'tiny-conv',
  declaredRoles: CONV_ROLES,
  modelRoles: { 'conv.feature': ['conv', 'grouped'], 'action.head': 'head', conv: 'proj' },
});

describe('plugin roles in a placement', () => {
  it('resolves a declared role to its modules and keeps its description', () => {
    const model = new TinyConvNet();
    expect(checkPlacement(model, convPlacement)).toEqual([]);
    expect(convPlacement.roles).toEqual(['conv.feature', 'action.head', 'conv']);
    expect(resolveRole(model, convPlacement, 'conv.feature').map((t) => t.path)).toEqual(['conv', 'grouped']);
    expect(describeRole('conv.feature', convPlacement.declaredRoles)).toBe(
      'convolutions of the feature extractor',
    );
    expect(describeRole('attn.q', convPlacement.declaredRoles)).toBe(ROLES['attn.q']);
    expect(describeRole('policy.trunk', convPlacement.declaredRoles)).toBeUndefined();
    model.dispose();
  });

  it('is a LoRA target through getPeftModel, like a core role', () => {
    const model = new TinyConvNet();
    const peft = getPeftModel(
      model,
      { peftType: 'LORA', r: 2, targetRoles: ['conv.feature', 'action.head'] },
      { placement: convPlacement },
    );
    expect([...peft.targetsOf('default')]).toEqual(['conv', 'grouped', 'head']);
    peft.dispose();
  });

  it('names an undeclared role, the closest one and what is known (and does not compile)', () => {
    const typo = () =>
      definePlacement({
        architecture: 'tiny-conv',
        declaredRoles: CONV_ROLES,
        // @ts-expect-error editors know the declared roles, so a mistyped key does not compile
        modelRoles: { 'conv.featur': 'conv' },
      });
    expect(typo).toThrow(
      "placement 'tiny-conv': modelRoles has unknown role 'conv.featur' (did you mean 'conv.feature'?)",
    );
    expect(typo).toThrow('declared in declaredRoles (conv.feature, action.head)');
    const undeclared = () =>
      // @ts-expect-error an undeclared plugin role does not compile either
      definePlacement({ architecture: 'x', layers: 'l', layerRoles: { 'policy.trunk': 't' } });
    expect(undeclared).toThrow(/unknown role 'policy\.trunk'; roles are core's \(attn\.q,/);
  });

  it('rejects bad declarations: pattern, core names, empty descriptions', () => {
    expect(() => defineRoles({ 'Conv.Feature': 'x' } as never)).toThrow(
      "'Conv.Feature' is not a plugin role name (lowercase and dotted",
    );
    expect(() => defineRoles({ trunk: 'x' } as never)).toThrow("'trunk' is not a plugin role name");
    expect(() => defineRoles({ 'attn.q': 'mine' } as never)).toThrow("'attn.q' is a core role");
    expect(() => defineRoles({ 'policy.trunk': ' ' })).toThrow("'policy.trunk' needs a description");
    expect(() =>
      definePlacement({ architecture: 'x', declaredRoles: { 'block.attn': 'mine' } as never }),
    ).toThrow("placement 'x': declaredRoles: 'block.attn' is a core role");
  });

  it('keeps the checks on paths and on q/k/v versus qkv', () => {
    expect(() =>
      definePlacement({ architecture: 'x', declaredRoles: CONV_ROLES, modelRoles: { 'conv.feature': '' } }),
    ).toThrow("placement 'x': modelRoles.conv.feature has an empty path");
    expect(() =>
      definePlacement({ architecture: 'x', layers: 'l', layerRoles: { 'attn.q': 'q', 'attn.qkv': 'c' } }),
    ).toThrow('declare either attn.q/attn.k/attn.v or the fused attn.qkv, not both');
    expect(() =>
      definePlacement({ architecture: 'x', declaredRoles: CONV_ROLES, layerRoles: { conv: 'c' } }),
    ).toThrow("layerRoles need 'layers'");
  });
});
