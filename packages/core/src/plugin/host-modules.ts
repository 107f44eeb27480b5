import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * Module resolution hook (runs on Node's loader thread): bare imports of `@peftkit/core` and the
 * tfjs packages resolve as if imported from the host's own core package, so a plugin loaded from
 * any folder shares the host's single copy (one kernel registry, one `Module` class) and needs no
 * node_modules of its own. Imports made by tfjs's own files are left alone.
 */
const HOOK_SOURCE = `
let host;
const shared = /^(@peftkit\\/core|@tensorflow\\/tfjs(-[a-z0-9-]+)?)(\\/.*)?$/;
export async function initialize(data) { host = data.hostUrl; }
export async function resolve(specifier, context, next) {
  const parent = context.parentURL ?? '';
  if (host && shared.test(specifier) && !parent.includes('/node_modules/@tensorflow/')) {
    try {
      return await next(specifier, { ...context, parentURL: host });
    } catch {
      // not resolvable from the host either: let the importer's own resolution report it
    }
  }
  return next(specifier, context);
}
`;

let registered = false;

/**
 * Makes plugins imported from now on resolve `@peftkit/core` and `@tensorflow/*` to the host's
 * copies (idempotent). Called before any plugin import.
 */
export function shareHostModules(): void {
  if (registered) return;
  registered = true;
  register(`data:text/javascript,${encodeURIComponent(HOOK_SOURCE)}`, {
    data: { hostUrl: import.meta.url },
  });
}

let typeScriptReady = import.meta.url.endsWith('.ts');

/**
 * Lets TypeScript plugin modules load when the host itself runs compiled JavaScript (an installed
 * package under plain `node`): registers tsx once. From sources, a TypeScript loader is already active.
 * `PEFTKIT_TS_LOADER` names a module that registers another loader instead (the test suite's,
 * which bin/peftkit.js has imported already when it runs a test build of core).
 */
export async function enableTypeScriptPlugins(): Promise<void> {
  if (typeScriptReady) return;
  typeScriptReady = true;
  const loader = process.env['PEFTKIT_TS_LOADER'];
  if (loader) {
    await import(pathToFileURL(loader).href);
    return;
  }
  const tsx = (await import('tsx/esm/api')) as { register: () => unknown };
  tsx.register();
}
