import { describe, expect, it, vi } from 'vitest';
import { runCli } from './main.js';

function captureStdout(): { text: () => string; restore: () => void } {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  });
  return { text: () => out, restore: () => spy.mockRestore() };
}

describe('peftkit CLI', () => {
  it('doctor --json prints exactly one JSON object with the backend facts', async () => {
    const cap = captureStdout();
    let code: number;
    try {
      code = await runCli(['doctor', '--json']);
    } finally {
      cap.restore();
    }
    expect(code).toBe(0);
    const report = JSON.parse(cap.text());
    expect(['tensorflow', 'wasm', 'cpu']).toContain(report.backend);
    expect(typeof report.simd).toBe('boolean');
    expect(report.tfjsVersion).toBe('4.22.0');
    expect(Array.isArray(report.skipped)).toBe(true);
    expect(Array.isArray(report.plugins)).toBe(true);
    // Nothing better than the chosen backend may be silently missing from `skipped`.
    if (report.backend !== 'tensorflow') {
      expect(report.skipped.map((s: { backend: string }) => s.backend)).toEqual(
        expect.arrayContaining(['tfjs-node-gpu', 'tfjs-node']),
      );
    }
  });

  it('an unknown command exits non-zero', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await runCli(['no-such-command'])).not.toBe(0);
    } finally {
      err.mockRestore();
    }
  });
});
