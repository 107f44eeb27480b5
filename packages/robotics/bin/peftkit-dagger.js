#!/usr/bin/env node
// Runs the DAgger command from TypeScript source through tsx, like core's peftkit bin.
import { register } from 'tsx/esm/api';

register();
const { daggerMain } = await import('../src/dagger/dagger-cli.ts');
process.exitCode = await daggerMain(process.argv.slice(2));
