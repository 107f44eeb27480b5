import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { captureOutput, runCli } from '@peftkit/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { nlpPlugin } from './plugin.js';
import {
  HF_PEFT_FIXTURE,
  type HfPeftReference,
  type PredictJson,
  readHfPeftReference,
  worstProbabilityDiff,
} from './testing/hf-peft-fixture.js';
import { type LoopbackHub, startLoopbackHub } from './testing/loopback-hub.js';

/**
 * `peftkit predict` with Hugging Face Hub ids: a loopback server (HF_ENDPOINT) serves the
 * PyTorch-made tiny BERT and HF PEFT adapters of test-data/hf-peft as Hub repositories; files go
 * into a Hugging Face cache made here (HF_HUB_CACHE) in `huggingface_hub`'s layout, and the
 * predictions must equal the local-directory run and the PyTorch reference.
 */
const FIXTURE = HF_PEFT_FIXTURE;
const BASE_REPO = 'peftkit-test/tiny-bert';
const LORA_REPO = 'peftkit-test/tiny-lora';
const TOKEN = 'hf_loopbacktoken';

let ref: HfPeftReference;
let tmp: string;
let cache: string;
let hub: LoopbackHub;
let shaV1: string;
let shaMain: string;
let baseSha: string;
const savedEnv = { ...process.env };

async function dirFiles(dir: string, rename: Record<string, (b: Buffer) => Buffer> = {}) {
  const files = new Map<string, Uint8Array>();
  for (const name of await fs.readdir(dir)) {
    const bytes = await fs.readFile(path.join(dir, name));
    files.set(name, rename[name] ? rename[name](bytes) : bytes);
  }
  return files;
}

/** The adapter config as PEFT writes it for a Hub base: base_model_name_or_path is the repo id. */
const hubBaseName = (b: Buffer) =>
  Buffer.from(JSON.stringify({ ...JSON.parse(b.toString('utf8')), base_model_name_or_path: BASE_REPO }));

async function cli<T = PredictJson>(args: string[]) {
  const { result, stdout, stderr } = await captureOutput(() =>
    runCli(['--no-discover', ...args], { plugins: [nlpPlugin], cwd: tmp }),
  );
  return { code: result, json: (stdout.trim() ? JSON.parse(stdout) : undefined) as T, stderr };
}

const worstDiff = (out: PredictJson, expected: number[][]) => worstProbabilityDiff(out, expected, ref.labels);

const repoFolder = (repo: string) => path.join(cache, `models--${repo.replace('/', '--')}`);
const downloads = () => hub.requests.filter((r) => r.url.includes('/resolve/'));

beforeAll(async () => {
  ref = await readHfPeftReference();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-hub-cli-'));
  cache = path.join(tmp, 'hf-cache');
  hub = await startLoopbackHub();
  const base = await dirFiles(path.join(FIXTURE, 'base'));
  // Files a real repository also holds that peftkit must not fetch.
  base.set('pytorch_model.bin', new Uint8Array(64));
  base.set('onnx/model.onnx', new Uint8Array(32));
  base.set('README.md', new TextEncoder().encode('# tiny bert\n'));
  baseSha = hub.commit(BASE_REPO, base, ['main']);
  const rename = { 'adapter_config.json': hubBaseName };
  shaV1 = hub.commit(LORA_REPO, await dirFiles(path.join(FIXTURE, 'adapter-qkv'), rename), ['v1']);
  shaMain = hub.commit(LORA_REPO, await dirFiles(path.join(FIXTURE, 'adapter-clf'), rename), ['main']);
});
beforeEach(() => {
  process.env['HF_ENDPOINT'] = hub.url;
  process.env['HF_HUB_CACHE'] = cache;
  process.env['HF_TOKEN'] = TOKEN;
  delete process.env['HF_HUB_OFFLINE'];
  hub.requireToken(undefined);
});
afterAll(async () => {
  for (const k of ['HF_ENDPOINT', 'HF_HUB_CACHE', 'HF_TOKEN', 'HF_HUB_OFFLINE']) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
  await hub.close();
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('predict with Hub ids', () => {
  it('downloads base and adapter into the HF cache layout and equals the local-directory run', async () => {
    const viaHub = await cli([
      'predict',
      '--adapter',
      LORA_REPO,
      '--base',
      BASE_REPO,
      '--json',
      ...ref.texts,
    ]);
    expect(viaHub.code, viaHub.stderr).toBe(0);
    const local = await cli([
      'predict',
      '--adapter',
      path.join(FIXTURE, 'adapter-clf'),
      '--base',
      path.join(FIXTURE, 'base'),
      '--json',
      ...ref.texts,
    ]);
    expect(local.code, local.stderr).toBe(0);
    expect(viaHub.json.predictions).toEqual(local.json.predictions);
    expect(worstDiff(viaHub.json, ref['adapter-clf'])).toBeLessThan(1e-4);
    expect(viaHub.stderr).toContain(`downloaded ${BASE_REPO}/model.safetensors`);

    // huggingface_hub's layout: refs/main -> sha, snapshots/<sha>/<file> -> ../../blobs/<etag>.
    const folder = repoFolder(BASE_REPO);
    expect((await fs.readFile(path.join(folder, 'refs', 'main'), 'utf8')).trim()).toBe(baseSha);
    const snap = path.join(folder, 'snapshots', baseSha);
    expect((await fs.readdir(snap)).sort()).toEqual([
      'config.json',
      'model.safetensors',
      'tokenizer_config.json',
      'vocab.txt',
    ]);
    const link = await fs.readlink(path.join(snap, 'model.safetensors'));
    expect(link).toMatch(/^\.\.\/\.\.\/blobs\/[0-9a-f]{64}$/); // LFS file: the sha256 (X-Linked-Etag)
    expect(await fs.readlink(path.join(snap, 'config.json'))).toMatch(/^\.\.\/\.\.\/blobs\/[0-9a-f]{40}$/);
    expect(await fs.readFile(path.join(snap, 'model.safetensors'))).toEqual(
      await fs.readFile(path.join(FIXTURE, 'base', 'model.safetensors')),
    );
    expect((await fs.readdir(path.join(folder, 'blobs'))).filter((n) => n.startsWith('.'))).toEqual([]);
    expect((await fs.readFile(path.join(repoFolder(LORA_REPO), 'refs', 'main'), 'utf8')).trim()).toBe(
      shaMain,
    );
    // Only the files peftkit reads were fetched; every request carried the token.
    expect(downloads().some((r) => /pytorch_model|onnx|README/.test(r.url))).toBe(false);
    expect(hub.requests.length).toBeGreaterThan(0);
    expect(hub.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('takes the base from base_model_name_or_path and does not download cached files again', async () => {
    const before = downloads().length;
    const out = await cli(['predict', '--adapter', LORA_REPO, '--json', ...ref.texts]);
    expect(out.code, out.stderr).toBe(0);
    expect(worstDiff(out.json, ref['adapter-clf'])).toBeLessThan(1e-4);
    expect(out.stderr).not.toContain('downloaded');
    expect(downloads().length).toBe(before);
  });

  it('runs from the cache alone with HF_HUB_OFFLINE=1, and lists what is missing', async () => {
    process.env['HF_HUB_OFFLINE'] = '1';
    const before = hub.requests.length;
    const out = await cli(['predict', '--adapter', LORA_REPO, '--json', ...ref.texts]);
    expect(out.code, out.stderr).toBe(0);
    expect(worstDiff(out.json, ref['adapter-clf'])).toBeLessThan(1e-4);
    const missing = await cli(['predict', '--adapter', `${LORA_REPO}@v1`, '--json', 'x']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /peftkit-test\/tiny-lora@v1: no such local directory, and HF_HUB_OFFLINE is set: no snapshot for revision 'v1'/,
    );
    expect(hub.requests.length).toBe(before);
  });

  it('pins a revision (tag, then the commit it resolved to, offline)', async () => {
    const out = await cli(['predict', '--adapter', `${LORA_REPO}@v1`, '--json', ...ref.texts]);
    expect(out.code, out.stderr).toBe(0);
    expect(worstDiff(out.json, ref['adapter-qkv'])).toBeLessThan(1e-4);
    expect((await fs.readFile(path.join(repoFolder(LORA_REPO), 'refs', 'v1'), 'utf8')).trim()).toBe(shaV1);
    process.env['HF_HUB_OFFLINE'] = '1';
    const pinned = await cli(['predict', '--adapter', `${LORA_REPO}@${shaV1}`, '--json', ...ref.texts]);
    expect(pinned.code, pinned.stderr).toBe(0);
    expect(pinned.json.predictions).toEqual(out.json.predictions);
  });

  it('asks for HF_TOKEN when the Hub refuses, and names an unknown repository', async () => {
    hub.requireToken('hf_othertoken');
    delete process.env['HF_TOKEN'];
    const denied = await cli(['predict', '--base', 'peftkit-test/private-bert', 'x']);
    expect(denied.code).toBe(2);
    expect(denied.stderr).toMatch(
      /peftkit-test\/private-bert: no such local directory, and on the Hub at .*: access denied \(401\).*set HF_TOKEN/,
    );
    hub.requireToken(undefined);
    const unknown = await cli(['predict', '--base', 'peftkit-test/no-such-model', 'x']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /no model repository 'peftkit-test\/no-such-model' with revision 'main' \(404\)/,
    );
    // Neither a directory nor a Hub id: the old message.
    const neither = await cli(['predict', '--base', './no/such/dir', 'x']);
    expect(neither.code).toBe(2);
    expect(neither.stderr).not.toContain('Hub');
  });

  it('uses the base repository alone as an HF task checkpoint', async () => {
    const out = await cli(['predict', '--base', `${BASE_REPO}@main`, '--json', ...ref.texts]);
    expect(out.code, out.stderr).toBe(0);
    expect(worstDiff(out.json, ref.base)).toBeLessThan(1e-4);
  });

  it('trains on a Hub base (train --base org/name): the run records the cached snapshot and predicts offline', async () => {
    const data = path.join(tmp, 'train.jsonl');
    const rows = ['the movie was great', 'boring plot , bad acting', 'loved it', 'terrible film'].map(
      (text, i) => JSON.stringify({ text, class: i % 2 === 0 ? 'good' : 'bad' }),
    );
    await fs.writeFile(data, `${rows.join('\n')}\n`);
    const runDir = path.join(tmp, 'run');
    const args = ['--preset', 'nlp/sentiment', '--data', data, '--eval-data', data, '--max-steps', '2'];
    const trained = await cli(['train', ...args, '--base', BASE_REPO, '--out', runDir, '--json']);
    expect(trained.code, trained.stderr).toBe(0);
    const manifest = JSON.parse(await fs.readFile(path.join(runDir, 'peftkit-run.json'), 'utf8'));
    expect(manifest.base).toBe(path.join(repoFolder(BASE_REPO), 'snapshots', baseSha));
    process.env['HF_HUB_OFFLINE'] = '1';
    const viaHub = await cli(['predict', '--adapter', runDir, '--base', BASE_REPO, '--json', ...ref.texts]);
    expect(viaHub.code, viaHub.stderr).toBe(0);
    const local = await cli([
      'predict',
      '--adapter',
      runDir,
      '--base',
      path.join(FIXTURE, 'base'),
      '--json',
      ...ref.texts,
    ]);
    expect(viaHub.json.predictions).toEqual(local.json.predictions);
  });

  it('pushes the run as an HF PEFT adapter with a model card; it predicts from the Hub as the run does', async () => {
    const runDir = path.join(tmp, 'run'); // trained on the Hub base in the test above
    delete process.env['HF_TOKEN'];
    const refused = await cli(['push', '--adapter', runDir, '--repo', 'peftkit-test/pushed']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('push: set HF_TOKEN');
    process.env['HF_TOKEN'] = TOKEN;

    const before = hub.requests.length;
    type Pushed = { repo: string; commit: string; baseModel: string; files: string[] };
    const push = await cli<Pushed>(['push', '--adapter', runDir, '--repo', 'peftkit-test/pushed', '--json']);
    expect(push.code, push.stderr).toBe(0);
    const pushed = push.json;
    expect(pushed.baseModel).toBe(BASE_REPO);
    expect(pushed.files).toEqual(
      expect.arrayContaining(['adapter_config.json', 'adapter_model.safetensors', 'README.md']),
    );
    const uploads = hub.requests.slice(before);
    expect(uploads.map((r) => r.url)).toEqual(
      expect.arrayContaining(['/api/repos/create', '/api/models/peftkit-test/pushed/commit/main']),
    );
    expect(uploads.some((r) => r.url.startsWith('/lfs-upload/'))).toBe(true); // the safetensors went through Git LFS
    expect(
      uploads
        .filter((r) => !r.url.startsWith('/lfs-upload/'))
        .every((r) => r.authorization === `Bearer ${TOKEN}`),
    ).toBe(true);

    const files = hub.filesAt('peftkit-test/pushed', 'main');
    const text = (name: string) => new TextDecoder().decode(files?.get(name));
    const config = JSON.parse(text('adapter_config.json'));
    expect(config.base_model_name_or_path).toBe(BASE_REPO);
    expect(config.revision).toBe(baseSha);
    expect(files?.get('adapter_model.safetensors')).toEqual(
      new Uint8Array(await fs.readFile(path.join(runDir, 'adapter_model.safetensors'))),
    );
    const card = text('README.md');
    const front = /^---\n([\s\S]*?)\n---\n/.exec(card)?.[1] ?? '';
    expect(front).toMatch(/^library_name: peft$/m);
    expect(front).toMatch(new RegExp(`^base_model: ${BASE_REPO}$`, 'm'));
    expect(front).toMatch(/^tags:\n {2}- peftkit\n {2}- lora\n/m);
    const summary = JSON.parse(await fs.readFile(path.join(runDir, 'summary.json'), 'utf8'));
    const metricNames = Object.keys(summary.finalMetrics ?? {});
    expect(metricNames.length).toBeGreaterThan(0);
    for (const m of metricNames) {
      expect(front).toContain(`  - ${m}`);
      expect(card).toContain(`| ${m} | ${Number(summary.finalMetrics[m].toFixed(6))} |`);
    }

    // Pulled back by id (base from base_model_name_or_path + revision), it predicts as the run.
    const fromHub = await cli(['predict', '--adapter', 'peftkit-test/pushed', '--json', ...ref.texts]);
    expect(fromHub.code, fromHub.stderr).toBe(0);
    const fromRun = await cli(['predict', '--adapter', runDir, '--json', ...ref.texts]);
    for (const [i, p] of fromHub.json.predictions.entries()) {
      for (const [label, v] of Object.entries(fromRun.json.predictions[i]?.probabilities ?? {})) {
        expect(p.probabilities[label]).toBeCloseTo(v, 5);
      }
    }

    // A second push commits on top of the existing repository (create answers 409).
    const again = await cli<Pushed>([
      'push',
      '--adapter',
      runDir,
      '--repo',
      'peftkit-test/pushed',
      '--message',
      'again',
      '--json',
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(again.json.commit).not.toBe(pushed.commit);
    expect(hub.filesAt('peftkit-test/pushed', again.json.commit)?.get('README.md')).toBeDefined();
  });

  it('push needs --base-model when the base is a local directory, and records no revision then', async () => {
    const data = path.join(tmp, 'train.jsonl'); // written by the training test above
    const runDir = path.join(tmp, 'run-local-base');
    const args = ['--preset', 'nlp/sentiment', '--data', data, '--eval-data', data, '--max-steps', '1'];
    const trained = await cli([
      'train',
      ...args,
      '--base',
      path.join(FIXTURE, 'base'),
      '--out',
      runDir,
      '--json',
    ]);
    expect(trained.code, trained.stderr).toBe(0);
    const refused = await cli(['push', '--adapter', runDir, '--repo', 'peftkit-test/local-base']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /is not a Hub model in the Hugging Face cache; pass --base-model <org\/name>/,
    );
    const ok = await cli([
      'push',
      '--adapter',
      runDir,
      '--repo',
      'peftkit-test/local-base',
      '--base-model',
      BASE_REPO,
      '--json',
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    const config = JSON.parse(
      new TextDecoder().decode(hub.filesAt('peftkit-test/local-base', 'main')?.get('adapter_config.json')),
    );
    expect(config.base_model_name_or_path).toBe(BASE_REPO);
    expect(config.revision).toBeNull();
    const bad = await cli(['push', '--adapter', runDir, '--repo', 'not-a-repo@v1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--repo not-a-repo@v1: expected <org>/<name>');
  });
});
