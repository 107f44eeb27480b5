import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToyCli } from './testing/toy-cli.js';

/**
 * Regression tests of issue 15 at the CLI: what a command may write over, and how a run that
 * failed, was refused or was cut short is left (status, reason) and recovered.
 */
const cli = (argv: string[]) => runToyCli(argv);

async function ok(argv: string[]): Promise<Record<string, unknown>> {
  const r = await cli([argv[0] as string, '--json', ...argv.slice(1)]);
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const manifestOf = async (dir: string) =>
  JSON.parse(await fs.readFile(path.join(dir, 'peftkit-run.json'), 'utf8')) as {
    status: string;
    kind: string;
    failure?: { reason: string; step: number | null };
  };

/** Every file under `dir`, relative, with its bytes (to prove nothing changed). */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const p = path.join(e.parentPath, e.name);
    out.set(path.relative(dir, p), (await fs.readFile(p)).toString('base64'));
  }
  return out;
}

let tmp: string;
let run: string;
beforeAll(async () => {
  process.env['PEFTKIT_BACKEND'] = 'cpu';
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-safety-'));
  run = path.join(tmp, 'run');
  await ok(['train', '--preset', 'toy/basic', '--out', run, '--max-steps', '4']);
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('never overwrite what is not ours', () => {
  it('merge --out an existing run is refused (one line, exit 2) and leaves it byte-identical', async () => {
    const before = await snapshot(run);
    const other = path.join(tmp, 'other-run');
    await ok(['train', '--preset', 'toy/basic', '--out', other, '--max-steps', '2', '--seed', '5']);
    const r = await cli(['merge', '--adapter', other, '--out', run]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `peftkit: merge --out ${run}: already holds a peftkit run; pass --overwrite to replace it, or choose another --out\n`,
    );
    expect(await snapshot(run)).toEqual(before);
  });

  it('merge --overwrite replaces an earlier merge wholesale; a foreign dir is refused even then', async () => {
    const merged = path.join(tmp, 'merged');
    await ok(['merge', '--adapter', run, '--out', merged]);
    // A file peftkit never writes, put into the earlier output: --overwrite must not keep it.
    await fs.writeFile(path.join(merged, 'stale.txt'), 'from before');
    const again = await ok(['merge', '--adapter', run, '--out', merged, '--overwrite']);
    expect(again['files']).toEqual([
      'config.json',
      'head.safetensors',
      'model.safetensors',
      'peftkit-run.json',
      'preprocessor.json',
    ]);
    expect((await fs.readdir(path.dirname(merged))).filter((e) => e.startsWith('.merged'))).toEqual([]);

    const mine = path.join(tmp, 'my-files');
    await fs.mkdir(mine);
    await fs.writeFile(path.join(mine, 'notes.txt'), 'keep me');
    const refused = await cli(['merge', '--adapter', run, '--out', mine, '--overwrite']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `peftkit: merge --out ${mine}: the directory is not empty and was not written by peftkit (holds notes.txt); choose a new or empty directory\n`,
    );
    expect(await fs.readdir(mine)).toEqual(['notes.txt']);
    // Nor may --overwrite replace the adapter run it reads.
    const self = await cli(['merge', '--adapter', run, '--out', run, '--overwrite']);
    expect(self.code).toBe(2);
    expect(self.stderr).toBe(`peftkit: merge --out ${run}: must not be or contain the adapter run ${run}\n`);
  });

  it('train and pretrain refuse a non-empty directory that is not a run; nothing is written into it', async () => {
    const mine = path.join(tmp, 'project');
    await fs.mkdir(mine);
    await fs.writeFile(path.join(mine, 'summary.json'), '{"mine": true}');
    const r = await cli(['train', '--preset', 'toy/basic', '--out', mine]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `peftkit: train --out ${mine}: the directory is not empty and was not written by peftkit (holds summary.json); choose a new or empty directory\n`,
    );
    const pre = await cli(['pretrain', '--preset', 'toy/basic', '--data', 'toy:64', '--out', mine]);
    expect(pre.code).toBe(2);
    expect(pre.stderr).toContain(
      `peftkit: pretrain --out ${mine}: the directory is not empty and was not written by peftkit`,
    );
    expect(await fs.readdir(mine)).toEqual(['summary.json']);
    expect(await fs.readFile(path.join(mine, 'summary.json'), 'utf8')).toBe('{"mine": true}');
    const empty = path.join(tmp, 'empty');
    await fs.mkdir(empty);
    const fresh = await ok(['train', '--preset', 'toy/basic', '--out', empty, '--max-steps', '1']);
    expect(fresh['status']).toBe('complete');
  });
});

describe('failed runs are marked and recoverable', () => {
  it('a run that diverges before its first checkpoint is failed with the reason, reruns in place, and --resume says what to do', async () => {
    const out = path.join(tmp, 'diverges');
    const bad = await cli(['train', '--preset', 'toy/basic', '--out', out, '--set', 'training.lr=1e38']);
    expect(bad.code).toBe(1);
    const failed = await manifestOf(out);
    expect(failed.status).toBe('failed');
    expect(failed.failure?.reason).toMatch(/^training diverged at step \d+/);
    expect(failed.failure?.step).toBeNull();

    const resume = await cli(['train', '--resume', out]);
    expect(resume.code).toBe(2);
    expect(resume.stderr).toMatch(
      /^peftkit: --resume .*diverges: nothing to resume, it failed: training diverged .* before its first checkpoint; rerun the same command without --resume to start it again in place\n$/,
    );

    const rerun = await cli(['train', '--json', '--preset', 'toy/basic', '--out', out, '--max-steps', '2']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).toContain('failed: training diverged');
    expect(rerun.stderr).toContain('before its first checkpoint; starting it again in place');
    expect(await manifestOf(out)).toMatchObject({ status: 'complete' });
    expect((await manifestOf(out)).failure).toBeUndefined();
  });

  it('a failed continuation of a finished run leaves it complete', async () => {
    const out = path.join(tmp, 'finished');
    await ok(['train', '--preset', 'toy/basic', '--out', out, '--max-steps', '4']);
    // Another lr changes the trajectory: the strict resume check fails after the manifest was touched.
    const r = await cli(['train', '--resume', out, '--max-steps', '8', '--set', 'training.lr=0.5']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(
      /^peftkit: resume: .* was written with different settings \(optimizer\); .*\(peftkit CLI: --set training.strictResume=false\)$/,
    );
    expect((await manifestOf(out)).status).toBe('complete');
    // The option the hint names is accepted and resumes.
    const loose = await ok([
      'train',
      '--resume',
      out,
      '--max-steps',
      '6',
      '--set',
      'training.lr=0.5',
      '--set',
      'training.strictResume=false',
    ]);
    expect((loose['summary'] as { resumedFromStep: number; steps: number }).steps).toBe(6);
  });

  it('a run another live process is training is refused, with or without --resume', async () => {
    const out = path.join(tmp, 'busy');
    await ok(['train', '--preset', 'toy/basic', '--out', out, '--max-steps', '2']);
    const manifest = JSON.parse(await fs.readFile(path.join(out, 'peftkit-run.json'), 'utf8'));
    // The test runner's parent process stands in for a concurrent trainer on this host.
    const owner = { pid: process.ppid, host: os.hostname() };
    await fs.writeFile(
      path.join(out, 'peftkit-run.json'),
      JSON.stringify({ ...manifest, status: 'running', owner }),
    );
    for (const argv of [
      ['train', '--preset', 'toy/basic', '--out', out],
      ['train', '--resume', out, '--max-steps', '4'],
    ]) {
      const r = await cli(argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `peftkit: ${out} already holds a run that process ${owner.pid} on ${owner.host} is training; wait for it or choose another --out\n`,
      );
    }
  });

  it('leftovers of a kill between the renames of a save are recovered (.last.old-*) or removed', async () => {
    const out = path.join(tmp, 'killed');
    await ok(['train', '--preset', 'toy/basic', '--out', out, '--max-steps', '4']);
    const ckpt = path.join(out, 'checkpoints');
    await fs.rename(path.join(ckpt, 'last'), path.join(ckpt, '.last.old-4242-deadbeef'));
    await fs.mkdir(path.join(ckpt, '.best.tmp-4242-cafe0000'));
    await fs.writeFile(path.join(ckpt, '.best.tmp-4242-cafe0000', 'trainable.safetensors'), 'half');
    await fs.writeFile(path.join(out, '.summary.json.tmp-4242-0badf00d'), '{"cut');
    const r = await cli(['train', '--json', '--resume', out, '--max-steps', '6']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('recovered checkpoints/last (step 4) from .last.old-4242-deadbeef');
    expect((JSON.parse(r.stdout).summary as { resumedFromStep: number }).resumedFromStep).toBe(4);
    expect((await fs.readdir(ckpt)).sort()).toEqual(['best', 'last']);
    expect((await fs.readdir(out)).filter((e) => e.startsWith('.'))).toEqual([]);
  });
});

describe('config hardening', () => {
  it('__proto__, constructor and prototype keys are refused in --set and config files', async () => {
    const set = await cli(['config', '--preset', 'toy/basic', '--set', 'training.__proto__.lr=1']);
    expect(set.code).toBe(2);
    expect(set.stderr).toBe(
      "peftkit: --set training.__proto__.lr=1: 'training.__proto__' is not allowed (the key '__proto__' is reserved)\n",
    );
    const value = await cli(['config', '--preset', 'toy/basic', '--set', 'training={constructor: {lr: 1}}']);
    expect(value.code).toBe(2);
    expect(value.stderr).toContain("'training.constructor' is not allowed");
    for (const [name, text] of [
      ['run.json', '{"training": {"__proto__": {"lr": 1}}}'],
      ['run.yaml', 'model:\n  config:\n    prototype: 1\n'],
    ] as const) {
      const file = path.join(tmp, name);
      await fs.writeFile(file, text);
      const r = await cli(['config', '--preset', 'toy/basic', '--config', file]);
      expect(r.code, name).toBe(2);
      expect(r.stderr).toMatch(
        /^peftkit: config file .*: '(training\.__proto__|model\.config\.prototype)' is not allowed/,
      );
    }
  });
});
