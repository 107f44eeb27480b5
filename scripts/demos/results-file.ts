import * as fs from 'node:fs/promises';
import * as path from 'node:path';

const PREAMBLE = `# Results

Measured by \`pnpm demo\`: each demo writes its own section below (between its markers) when it
finishes, so the numbers here are never typed by hand. Rerun a demo to refresh its section.
`;

/**
 * Puts `body` into `file` between `<!-- demo:<name>:start -->` and `<!-- demo:<name>:end -->`,
 * replacing that demo's previous section and leaving the other demos' sections alone. Creates
 * the file (with a short preamble) when missing.
 */
export async function writeResultsSection(file: string, name: string, body: string): Promise<void> {
  const start = `<!-- demo:${name}:start -->`;
  const end = `<!-- demo:${name}:end -->`;
  const section = `${start}\n${body.trim()}\n${end}`;
  const old = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return PREAMBLE;
    throw err;
  });
  const from = old.indexOf(start);
  const to = old.indexOf(end);
  const next =
    from >= 0 && to > from
      ? `${old.slice(0, from)}${section}${old.slice(to + end.length)}`
      : `${old.trimEnd()}\n\n${section}\n`;
  await fs.mkdir(path.dirname(file), { recursive: true });
  // Write then rename: an interrupted demo never leaves a half-written results file.
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, next);
  await fs.rename(tmp, file);
}
