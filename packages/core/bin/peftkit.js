#!/usr/bin/env node
// In the repository the CLI runs from TypeScript source through tsx (no build step); an installed
// package ships only dist/ (compiled JS), which plain node runs.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const source = new URL('../src/cli/main.ts', import.meta.url);
let main;
if (existsSync(source)) {
  // The test suite compiles the sources once per run (scripts/ts-loader) and names the result:
  // core built as a package (run as plain JavaScript, loaded before any loader hook: hooks slow
  // every later import) and its own TypeScript loader for plugins, both faster to start than tsx.
  const dist = process.env.PEFTKIT_CORE_DIST && path.join(process.env.PEFTKIT_CORE_DIST, 'cli', 'main.js');
  const loader = process.env.PEFTKIT_TS_LOADER;
  // A build removed since (the test run ended) is not an error: the sources are always current.
  if (dist && existsSync(dist)) main = await import(pathToFileURL(dist).href);
  if (loader) await import(pathToFileURL(loader).href);
  else {
    const { register } = await import('tsx/esm/api');
    register();
  }
  main ??= await import(source.href);
} else {
  main = await import('../dist/cli/main.js');
}
process.exitCode = await main.runCli(process.argv.slice(2));
