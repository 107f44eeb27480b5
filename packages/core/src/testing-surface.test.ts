import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** Every `.ts` file under the packages' and examples' `src` folders, relative to the repo. */
function sources(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'node_modules') continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) out.push(path.relative(root, p));
    }
  };
  for (const top of ['packages', 'examples']) {
    for (const pkg of fs.readdirSync(path.join(root, top))) {
      const src = path.join(root, top, pkg, 'src');
      if (fs.existsSync(src)) walk(src);
    }
  }
  return out;
}

const isTestOnly = (file: string) => file.endsWith('.test.ts') || file.split(path.sep).includes('testing');
const imports = (file: string) =>
  [...fs.readFileSync(path.join(root, file), 'utf8').matchAll(/(?:from|import) '([^']+)'/g)].map(
    (m) => m[1] as string,
  );

describe('test helpers', () => {
  const files = sources();

  it('live in testing/ folders: no other non-test file imports vitest', () => {
    expect(files.length).toBeGreaterThan(100);
    const outside = files.filter((f) => !isTestOnly(f) && imports(f).includes('vitest'));
    expect(outside).toEqual([]);
  });

  it('stay out of the public surface: only tests and other helpers import a testing/ folder', () => {
    const leaks = files.flatMap((f) =>
      isTestOnly(f)
        ? []
        : imports(f)
            .filter((s) => s.split('/').includes('testing'))
            .map((s) => `${f} -> ${s}`),
    );
    expect(leaks).toEqual([]);
  });
});
