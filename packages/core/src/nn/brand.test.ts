import { describe, expect, it } from 'vitest';
import { brandClass, isBrandedInstance } from './brand.js';
import { Linear } from './linear.js';
import { isModule, Module } from './module.js';

// A second copy of the class, as a plugin that resolved its own @peftkit/core would have: same
// brand, different constructor.
class OtherCopyModule {}
class OtherCopyLinear extends OtherCopyModule {}
brandClass(OtherCopyModule, 'nn.Module');
brandClass(OtherCopyLinear, 'nn.Linear');
class Unbranded {}

describe('class brands', () => {
  it('instanceof recognises an instance of the same class from another copy of core', () => {
    const foreign = new OtherCopyLinear();
    expect(foreign instanceof Linear).toBe(true);
    expect(foreign instanceof Module).toBe(true);
    expect(isModule(foreign)).toBe(true);
  });

  it('does not match other brands or unbranded objects', () => {
    expect(new OtherCopyModule() instanceof Linear).toBe(false);
    expect(new Unbranded() instanceof Module).toBe(false);
    expect(isModule({})).toBe(false);
    expect(isBrandedInstance(Unbranded, new OtherCopyLinear())).toBe(false);
  });

  it('keeps native instanceof for real instances', () => {
    const lin = new Linear(2, 3);
    expect(lin instanceof Linear).toBe(true);
    expect(lin instanceof Module).toBe(true);
  });
});
