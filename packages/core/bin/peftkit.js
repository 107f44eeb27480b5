#!/usr/bin/env node
// In the repository the CLI runs from TypeScript source through tsx (no build step); an installed
// package ships only dist/ (compiled JS), which plain node runs.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
let main;
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  main = await import(source.href);
} else {
  main = await import('../dist/cli/main.js');
}
process.exitCode = await main.runCli(process.argv.slice(2));
