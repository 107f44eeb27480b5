// `pnpm demo [name] [flags]`: runs one end-to-end demo (default: nlp; see scripts/demos/registry.ts).
// Each demo prints its table on stdout (one JSON document with --json), logs on stderr, and
// rewrites its own section of docs/results.md.
import { runDemo } from './demos/dispatch.js';

try {
  process.exitCode = await runDemo(process.argv.slice(2));
} catch (err) {
  // Bad flags and peftkit's user errors (they carry an exit code) are one line; anything else
  // keeps its stack for the bug report.
  const e = err as Error & { code?: unknown; exitCode?: unknown };
  const exitCode =
    typeof e.exitCode === 'number' ? e.exitCode : String(e.code).startsWith('ERR_PARSE_ARGS') ? 2 : undefined;
  process.stderr.write(`peftkit demo: ${exitCode ? e.message : (e.stack ?? String(err))}\n`);
  process.exitCode = exitCode ?? 1;
}
