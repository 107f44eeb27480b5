import { DEFAULT_DEMO, DEMOS } from './registry.js';

export function demoUsage(): string {
  const names = Object.entries(DEMOS).map(([name, d]) => `  ${name.padEnd(8)} ${d.summary}`);
  return [
    `usage: pnpm demo [name] [--help | demo flags]   (default: ${DEFAULT_DEMO})`,
    '',
    'demos:',
    ...names,
    '',
    'Each demo takes --help for its own flags.',
  ].join('\n');
}

/**
 * Runs `pnpm demo [name] [flags]`; resolves to the exit code. No name (or flags only) runs the
 * default demo with those flags; an unknown name exits 2 listing the demos.
 */
export async function runDemo(argv: readonly string[]): Promise<number> {
  const [first] = argv;
  if (first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(`${demoUsage()}\n`);
    return 0;
  }
  const named = first !== undefined && !first.startsWith('-');
  const name = named ? first : DEFAULT_DEMO;
  const demo = Object.hasOwn(DEMOS, name) ? DEMOS[name] : undefined;
  if (!demo) {
    process.stderr.write(
      `peftkit demo: unknown demo '${name}' (demos: ${Object.keys(DEMOS).join(', ')})\n\n${demoUsage()}\n`,
    );
    return 2;
  }
  return demo.run(named ? argv.slice(1) : argv);
}
