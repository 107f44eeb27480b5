import { listPeftMethods } from '@peftkit/core';
import { speechArchitectures } from '@peftkit/speech';
import { describe, expect, it } from 'vitest';
import { ARCHITECTURES, createConformanceHost, KNOWN_FAILURES, matrixMethods } from '../src/index.js';

describe('the conformance matrix covers everything registered', () => {
  it('runs every built-in method plus the plugin-contributed FEATURE_AFFINE and OUTPUT_SHIFT', async () => {
    const host = await createConformanceHost();
    const methods = matrixMethods(host);
    expect(methods).toEqual(expect.arrayContaining(listPeftMethods()));
    expect(methods).toEqual(expect.arrayContaining(['FEATURE_AFFINE', 'OUTPUT_SHIFT']));
    expect(new Set(methods).size).toBe(methods.length);
    // Both plugin methods reach the runs through the host, not the process-wide registry.
    expect(listPeftMethods()).not.toContain('OUTPUT_SHIFT');
    expect(host.peftMethods.get('OUTPUT_SHIFT').peftType).toBe('OUTPUT_SHIFT');
  });

  it('has a column for every architecture the plugins and the speech package ship', async () => {
    const host = await createConformanceHost();
    const shipped = [...host.architectures.ids(), ...speechArchitectures.map((a) => a.id)].sort();
    expect(ARCHITECTURES.map((a) => a.id).sort()).toEqual(shipped);
  });

  it('lists known failures only for cells of the matrix', async () => {
    const host = await createConformanceHost();
    const methods = matrixMethods(host);
    for (const f of KNOWN_FAILURES) {
      expect(ARCHITECTURES.map((a) => a.id)).toContain(f.architecture);
      expect(methods).toContain(f.method);
    }
  });
});
