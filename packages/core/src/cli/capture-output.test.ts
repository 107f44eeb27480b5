import { describe, expect, it } from 'vitest';
import { captureOutput } from './capture-output.js';

describe('captureOutput', () => {
  it('collects both streams (strings and bytes), returns the result and restores the streams', async () => {
    const before = [process.stdout.write, process.stderr.write];
    const got = await captureOutput(async () => {
      process.stdout.write('out ');
      process.stdout.write(new TextEncoder().encode('bytes'));
      process.stderr.write('err', () => undefined);
      return 7;
    });
    expect(got).toEqual({ result: 7, stdout: 'out bytes', stderr: 'err' });
    expect([process.stdout.write, process.stderr.write]).toEqual(before);
  });

  it('restores the streams when the call throws', async () => {
    const before = process.stdout.write;
    await expect(
      captureOutput(async () => {
        process.stdout.write('lost');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(process.stdout.write).toBe(before);
  });
});
