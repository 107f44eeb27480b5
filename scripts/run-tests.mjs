#!/usr/bin/env node
// `pnpm test`: the test files of vitest.config.ts's two projects, in two vitest runs. `shared`
// (the packages' unit tests) runs with --no-isolate: each worker loads tfjs, inversify and core
// once instead of once per file, which is most of the suite's CPU. `isolated` (spawned CLIs, the
// runtime's kernel tests, demos, examples) keeps a fresh process per file. vitest 3 sets isolation
// per pool, not per project, hence two runs rather than one. Arguments (file filters, -t ...)
// go to both runs; prints one combined "Tests:" line and exits non-zero if either run failed.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const args = process.argv.slice(2);
const summaries = fs.mkdtempSync(path.join(os.tmpdir(), 'peftkit-test-summary-'));
// A filter may name files of one project only: the other then has nothing to run.
const filtered = args.some((a) => !a.startsWith('-'));
const runs = [
  ['--project', 'shared', '--no-isolate'],
  ['--project', 'isolated'],
];
let failed = false;
const total = { passed: 0, failed: 0, skipped: 0 };
try {
  for (const [i, run] of runs.entries()) {
    const summary = path.join(summaries, `${i}.json`);
    const r = spawnSync(
      process.execPath,
      [vitest, 'run', ...run, ...(filtered ? ['--passWithNoTests'] : []), ...args],
      { cwd: root, stdio: 'inherit', env: { ...process.env, PEFTKIT_TEST_SUMMARY: summary } },
    );
    if (r.status !== 0) failed = true;
    // No summary: that run died before reporting.
    if (!fs.existsSync(summary)) {
      failed = true;
      continue;
    }
    const s = JSON.parse(fs.readFileSync(summary, 'utf8'));
    for (const k of Object.keys(total)) total[k] += s[k];
  }
  process.stdout.write(
    `\nAll test runs: Tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped\n`,
  );
} finally {
  fs.rmSync(summaries, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
