/**
 * Stand-in for a training step that takes minutes, for interrupt-signals.test.ts: the first
 * SIGINT asks it to stop, which it does not get to within the test, so only a second SIGINT
 * can end the process before the timeout.
 */
import { withInterrupts } from '../interrupts.js';

await withInterrupts({ log: (line) => process.stderr.write(`${line}\n`) }, async () => {
  process.stderr.write('ready\n');
  await new Promise<void>((resolve) => setTimeout(resolve, 60_000));
});
process.stderr.write('finished without a second signal\n');
process.exitCode = 3;
