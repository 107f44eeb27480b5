#!/usr/bin/env node
// In the repository the CLI runs from TypeScript source through tsx (no build step); an installed
// package ships only dist/ (compiled JS), which plain node runs.
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const source = new URL('../src/cli/main.ts', import.meta.url);
let main;
if (existsSync(source)) {
  // The test suite names its own loader (scripts/ts-loader: sources compiled once per test run),
  // which starts the many CLI processes it spawns faster than tsx.
  const loader = process.env.PEFTKIT_TS_LOADER;
  if (loader) await import(pathToFileURL(loader).href);
  else {
    const { register } = await import('tsx/esm/api');
    register();
  }
  main = await import(source.href);
} else {
  main = await import('../dist/cli/main.js');
}
process.exitCode = await main.runCli(process.argv.slice(2));
