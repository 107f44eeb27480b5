#!/usr/bin/env node
// Runs the CLI from TypeScript source through tsx, so the workspace needs no build step.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2));
