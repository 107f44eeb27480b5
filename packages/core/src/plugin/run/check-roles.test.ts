import { describe, expect, it } from 'vitest';
import { definePlacement } from '../../peft/placement.js';
import { defineRoles } from '../../peft/roles.js';
import { createPeftkit } from '../peftkit-host.js';
import type { RunConfig } from '../run-config/schema.js';
import { fakeArchitecture, fakePlugin } from '../testing/fake-plugins.js';
import { UserError } from '../user-error.js';
import type { BuiltModel } from './build-model.js';
import { checkRunRoles } from './check-roles.js';

const ROBOT = defineRoles({ 'policy.trunk': 'the shared trunk of the policy' });
const arch = fakeArchitecture('robot/mlp', ROBOT);
const placement = definePlacement({
  architecture: 'robot/mlp',
  declaredRoles: ROBOT,
  modelRoles: { 'policy.trunk': 'trunk', 'ffn.up': 'up', head: 'head' },
});
const built = { architecture: arch, placement } as unknown as BuiltModel;
const run = (targetRoles: string[]) => ({ peft: { peftType: 'LORA', targetRoles } }) as unknown as RunConfig;

describe('checkRunRoles', () => {
  it('accepts core and plugin roles the architecture maps; names what it lacks', async () => {
    const host = await createPeftkit({
      plugins: [
        fakePlugin('robot', { architectures: [arch] }),
        fakePlugin('speech', {
          architectures: [fakeArchitecture('speech/cnn', defineRoles({ 'conv.feature': 'feature convs' }))],
        }),
      ],
    });
    expect(() => checkRunRoles(host, run(['policy.trunk', 'ffn.up']), built)).not.toThrow();
    const origins = new Map([['peft.targetRoles', 'preset robot/reach']]);
    expect(() => checkRunRoles(host, run(['policy.trnk']), built, origins)).toThrow(
      "peft.targetRoles: architecture 'robot/mlp' has no role 'policy.trnk' (did you mean 'policy.trunk'?); " +
        'its roles: policy.trunk, ffn.up, head (from preset robot/reach)',
    );
    expect(() => checkRunRoles(host, run(['conv.feature']), built)).toThrow(
      "has no role 'conv.feature' (a plugin role other architectures use); its roles",
    );
    expect(() => checkRunRoles(host, run(['attn.q']), built)).toThrow(UserError);
  });

  it('refuses a placement whose declared roles the architecture does not list', async () => {
    const bare = { ...fakeArchitecture('robot/mlp'), declaredRoles: undefined };
    const host = await createPeftkit({ plugins: [fakePlugin('robot', { architectures: [bare] })] });
    const run0 = run([]);
    let err: unknown;
    try {
      checkRunRoles(host, run0, { architecture: bare, placement } as unknown as BuiltModel);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(
      "architecture 'robot/mlp' (plugin 'robot'): its placement declares 'policy.trunk' but the architecture's " +
        'declaredRoles does not list them with the same descriptions; pass the same defineRoles() object to both',
    );
  });
});
