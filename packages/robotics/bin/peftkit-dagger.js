#!/usr/bin/env node
// Like core's peftkit bin: TypeScript source through tsx in the repository, compiled dist/ when installed.
import { existsSync } from 'node:fs';

const source = new URL('../src/dagger/dagger-cli.ts', import.meta.url);
let cli;
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(source.href);
} else {
  cli = await import('../dist/dagger/dagger-cli.js');
}
process.exitCode = await cli.daggerMain(process.argv.slice(2));
