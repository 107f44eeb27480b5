import { readFileSync } from 'node:fs';

/** The version of @peftkit/core, from its package.json (recorded in run manifests). */
export const PEFTKIT_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
