import { describe, expect, it } from 'vitest';
import { createProgressReporter } from './progress.js';

function stream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, s: { isTTY, columns: 200, write: (t: string) => chunks.push(t) } };
}

describe('progress reporter', () => {
  it('prints plain lines every logEvery steps when not a TTY', () => {
    const { chunks, s } = stream(false);
    let t = 0;
    const r = createProgressReporter({ stream: s, logEvery: 2, now: () => t });
    r.start({ startStep: 0, totalSteps: 4 });
    for (let step = 1; step <= 4; step++) {
      t += 500;
      r.step({ step, epoch: step / 4, loss: 1 / step, lr: 1e-4 });
    }
    r.log('eval @ step 4: accuracy 0.9');
    r.end();
    expect(chunks).toEqual([
      'step 2/4 | epoch 0.50 | loss 0.5 | lr 1.00e-4 | 2.00 it/s | ETA 1s\n',
      'step 4/4 | epoch 1.00 | loss 0.25 | lr 1.00e-4 | 2.00 it/s | ETA 0s\n',
      'eval @ step 4: accuracy 0.9\n',
    ]);
  });

  it('redraws one bar line on a TTY, throttled, and prints messages above it', () => {
    const { chunks, s } = stream(true);
    let t = 0;
    const r = createProgressReporter({ stream: s, now: () => t, redrawMs: 100 });
    r.start({ startStep: 10, totalSteps: 20 });
    t = 1000;
    r.step({ step: 11, epoch: 1, loss: 0.5, lr: 0.001 });
    t = 1010; // throttled
    r.step({ step: 12, epoch: 1, loss: 0.4, lr: 0.001 });
    r.log('checkpoint saved');
    t = 2000;
    r.step({ step: 20, epoch: 2, loss: 0.3, lr: 0.001 });
    r.end();
    expect(chunks[0]).toBe('resuming at step 10\n');
    expect(chunks[1]).toBe(
      '\r\x1b[K[============>           ] 11/20 55% | loss 0.5 | lr 0.001 | 1.00 it/s | ETA 9s',
    );
    expect(chunks[2]).toBe('\r\x1b[Kcheckpoint saved\n');
    expect(chunks[3]).toBe(chunks[1]); // the bar comes back under the message
    expect(chunks[4]).toContain('[========================] 20/20 100%');
    expect(chunks[4]).toContain('5.00 it/s | ETA 0s');
    expect(chunks.at(-1)).toBe('\n');
  });

  it("'none' is silent and 'auto' follows isTTY", () => {
    const { chunks, s } = stream(true);
    const quiet = createProgressReporter({ stream: s, mode: 'none' });
    quiet.start({ startStep: 0, totalSteps: 1 });
    quiet.step({ step: 1, epoch: 1, loss: 1, lr: 1 });
    quiet.log('x');
    expect(chunks).toEqual([]);
    const tty = stream(true);
    const pipe = stream(false);
    for (const { s: out } of [tty, pipe]) {
      const r = createProgressReporter({ stream: out, mode: 'auto', logEvery: 1, now: () => 1000 });
      r.start({ startStep: 0, totalSteps: 1 });
      r.step({ step: 1, epoch: 1, loss: 1, lr: 1 });
    }
    expect(tty.chunks[0]?.startsWith('\r\x1b[K[')).toBe(true);
    expect(pipe.chunks[0]).toMatch(/^step 1\/1 /);
  });
});
