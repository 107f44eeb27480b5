import * as os from 'node:os';
import * as path from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * Test files that run in a fresh process each (the `isolated` project). Every other test file of
 * the packages is in `shared`, which `pnpm test` (scripts/run-tests.mjs) runs with --no-isolate:
 * each worker loads tfjs, inversify and core once, where loading them for every file cost about
 * 1.4 s of CPU per file (474 s of a clean run's 1,150 s of worker time, across all 322 files).
 *
 * A file belongs here when it cannot share a process:
 * - it documents stock tfjs kernels or registers kernels itself (`runtime/`): it needs a tfjs
 *   nobody has patched yet;
 * - it spawns processes (the CLI, workers, servers): they inherit the environment, and a shared
 *   worker's may carry what an earlier file left;
 * - it runs the CLI in process (signal handlers, exit codes, the working directory);
 * - it lives outside the packages (demos, examples, soak tests, benches, the quality suite:
 *   mostly spawners, all slow enough that a second of loading does not matter).
 */
const ISOLATED = [
  'scripts/**/*.test.ts',
  'examples/**/*.test.ts',
  'bench/**/*.test.ts',
  'packages/core/src/runtime/**/*.test.ts',
  // spawn processes
  'packages/core/src/cli/interrupt-signals.test.ts',
  'packages/core/src/cli/scaffold/new-plugin.test.ts',
  'packages/core/src/cli/storage-errors.test.ts',
  'packages/core/src/serve/serve-e2e.test.ts',
  'packages/nlp/src/cli-e2e.test.ts',
  'packages/nlp/src/seq2seq-cli.test.ts',
  'packages/robotics/src/cli-e2e.test.ts',
  'packages/robotics/src/plugin.test.ts',
  'packages/speech/src/audio/decode-pool.test.ts',
  'packages/speech/src/cli-classification-e2e.test.ts',
  'packages/speech/src/cli-e2e.test.ts',
  'packages/speech/src/cli-hf-bases-e2e.test.ts',
  // run the CLI in process
  'packages/core/src/cli/interrupt.test.ts',
  'packages/core/src/cli/run-report.test.ts',
  'packages/core/src/plugin/run/default-targets.test.ts',
  'packages/nlp/src/hf-peft-cli.test.ts',
  'packages/nlp/src/hub-cli.test.ts',
  'packages/nlp/src/seq2seq-hf-cli.test.ts',
  'packages/robotics/src/rollout/policy-evaluation.test.ts',
  'packages/vision/src/data-error-run.test.ts',
  'packages/vision/src/data/medmnist.test.ts',
];

const PACKAGES = ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'];

export default defineConfig({
  test: {
    // tfjs backends are process-global; forks keep each worker's tfjs its own.
    pool: 'forks',
    // vitest's default is cores - 1 forks, i.e. one test file at a time on a 2-core CI machine,
    // though a test file mostly keeps one core busy (its child processes aside) and the main
    // process only collects results: one fork per core keeps both cores working.
    maxWorkers: os.availableParallelism(),
    reporters: ['default', './scripts/plain-summary-reporter.ts'],
    // A path that is not a directory but reads as a Hub id (`runs/demo`) is looked up on the Hugging
    // Face Hub: tests never touch the network nor the developer's own HF cache (tests of the Hub
    // code set their own cache and loopback endpoint).
    env: { HF_HUB_OFFLINE: '1', HF_HUB_CACHE: path.join(os.tmpdir(), 'peftkit-tests-empty-hf-cache') },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'isolated',
          include: [...ISOLATED],
          // Compiles the sources once per run for the `peftkit` processes tests spawn (scripts/ts-loader).
          globalSetup: ['./scripts/ts-loader/global-setup.ts'],
        },
      },
      {
        extends: true,
        test: { name: 'shared', include: PACKAGES, exclude: [...ISOLATED] },
      },
    ],
  },
});
