import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * How to start the replica worker: the compiled `replica-worker.js` in an installed package, or,
 * in the repository (TypeScript sources, no build), a small bootstrap that registers tsx in the
 * new thread first (a worker does not inherit the parent's loader).
 */
export function replicaWorkerScript(): { readonly script: string | URL; readonly eval: boolean } {
  const ts = new URL('./replica-worker.ts', import.meta.url);
  if (!import.meta.url.endsWith('.ts') || !existsSync(ts)) {
    const js = new URL('./replica-worker.js', import.meta.url);
    // The test suite's build of core (bin/peftkit.js, PEFTKIT_CORE_DIST) has the TypeScript loader
    // the main thread registered instead of tsx registered in the worker too, as tsx is from sources.
    const loader = process.env['PEFTKIT_TS_LOADER'];
    if (!loader) return { script: js, eval: false };
    const boot = `import(${JSON.stringify(pathToFileURL(loader).href)}).then(() => import(${JSON.stringify(js.href)}));`;
    return { script: boot, eval: true };
  }
  // require.resolve gives the CommonJS build of tsx's API; its ESM build sits next to it.
  const tsx = createRequire(import.meta.url)
    .resolve('tsx/esm/api')
    .replace(/\.cjs$/, '.mjs');
  const boot = `import(${JSON.stringify(pathToFileURL(tsx).href)}).then((t) => { t.register(); return import(${JSON.stringify(ts.href)}); });`;
  return { script: boot, eval: true };
}
