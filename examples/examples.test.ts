import { execFile } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('..', import.meta.url));
let out: string;

/**
 * The TypeScript loader: the test run's (scripts/ts-loader, set up by vitest's globalSetup: core
 * compiled once, run as JavaScript) as for the `peftkit` children, else tsx as a user has it. Under
 * tsx each example compiled core's sources again (about 1.2 s more CPU per example).
 */
const loader = process.env['PEFTKIT_TS_LOADER'] ?? 'tsx';

/** Runs one example as a user would (`npx tsx examples/<file> <outDir>`), on the cpu backend. */
async function example(file: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', loader, path.join('examples', file), ...args], {
    cwd: repo,
    env: { ...process.env, PEFTKIT_BACKEND: 'cpu' },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

const files = (dir: string) => fs.readdir(dir).catch(() => [] as string[]);

beforeAll(async () => {
  out = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-examples-'));
});
afterAll(async () => {
  await fs.rm(out, { recursive: true, force: true });
});

// Concurrent: each example is its own process; together they stay within a CI minute.
describe.concurrent('examples/', () => {
  it('lora-text-classification.ts trains an HF-format LoRA adapter and predicts', async () => {
    const stdout = await example('lora-text-classification.ts', path.join(out, 'text'));
    expect(await files(path.join(out, 'text'))).toEqual(
      expect.arrayContaining(['adapter_config.json', 'adapter_model.safetensors']),
    );
    expect(stdout).toContain("input: 'the plot was great fun'");
    expect(stdout).toMatch(/label: '(positive|negative)'/);
  });

  it('hf-adapter.ts predicts what PyTorch computed for the PEFT adapter (to 1e-4)', async () => {
    const reference = JSON.parse(
      await fs.readFile(path.join(repo, 'packages/nlp/test-data/hf-peft/reference.json'), 'utf8'),
    ) as { texts: string[]; labels: string[]; 'adapter-clf': number[][] };
    const lines = (await example('hf-adapter.ts')).trim().split('\n');
    expect(lines).toHaveLength(2);
    lines.forEach((line, i) => {
      const m = /^(.*) -> (\w+) (\{.*\})$/.exec(line);
      expect(m?.[1]).toBe(reference.texts[i]);
      const probs = JSON.parse(m?.[3] ?? '{}') as Record<string, number>;
      reference.labels.forEach((label, k) => {
        expect(probs[label]).toBeCloseTo(reference['adapter-clf'][i]?.[k] as number, 4);
      });
    });
  });

  it('multi-adapter.mjs (plain JS) routes inputs to two adapters', async () => {
    const stdout = await example('multi-adapter.mjs');
    expect(stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^default: the movie was great ! -> \w+$/),
      expect.stringMatching(/^qkv: the movie was great ! -> \w+$/),
      expect.stringMatching(/^qkv: not good , not fun -> \w+$/),
    ]);
  });

  it('image-lora.ts trains a ViT LoRA on an image folder that separates light from dark', async () => {
    const stdout = await example('image-lora.ts', path.join(out, 'image'));
    expect(await files(path.join(out, 'image'))).toContain('adapter_model.safetensors');
    expect(stdout).toMatch(/light\/0\.png',\s+label: 'light'/);
    expect(stdout).toMatch(/dark\/0\.png',\s+label: 'dark'/);
  });

  it('custom-plugin.ts trains with the tabular plugin', async () => {
    const stdout = await example('custom-plugin.ts', path.join(out, 'tabular'));
    expect(await files(path.join(out, 'tabular'))).toContain('adapter_model.safetensors');
    expect(stdout).toMatch(/label: '(low|mid|high)'/);
  });
});
