import * as os from 'node:os';
import * as path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'examples/**/*.test.ts',
      'scripts/**/*.test.ts',
      'bench/**/*.test.ts',
    ],
    // tfjs backends are process-global; forks keep test files isolated from each other.
    pool: 'forks',
    // vitest's default is cores - 1 forks, i.e. one test file at a time on a 2-core CI machine,
    // though a test file mostly keeps one core busy (its child processes aside) and the main
    // process only collects results: one fork per core keeps both cores working.
    maxWorkers: os.availableParallelism(),
    reporters: ['default', './scripts/plain-summary-reporter.ts'],
    // Compiles the sources once per run for the `peftkit` processes tests spawn (scripts/ts-loader).
    globalSetup: ['./scripts/ts-loader/global-setup.ts'],
    // A path that is not a directory but reads as a Hub id (`runs/demo`) is looked up on the Hugging
    // Face Hub: tests never touch the network nor the developer's own HF cache (tests of the Hub
    // code set their own cache and loopback endpoint).
    env: { HF_HUB_OFFLINE: '1', HF_HUB_CACHE: path.join(os.tmpdir(), 'peftkit-tests-empty-hf-cache') },
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
