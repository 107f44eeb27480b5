import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'examples/**/*.test.ts',
      'scripts/**/*.test.ts',
    ],
    // tfjs backends are process-global; forks keep test files isolated from each other.
    pool: 'forks',
    reporters: ['default', './scripts/plain-summary-reporter.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
