import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../plugin/user-error.js';
import { hubEnv } from './hub-env.js';
import { parseHubId } from './hub-id.js';
import { resolveModelPath } from './resolve-model-path.js';

/**
 * Offline resolution against a Hugging Face cache built here exactly as `huggingface_hub` lays it
 * out (`models--org--name/{blobs,refs,snapshots/<sha>}` with relative symlinks), with
 * HF_HUB_OFFLINE set and HF_ENDPOINT pointed at a server that counts every request it gets.
 */
const SHA_MAIN = 'a'.repeat(40);
const SHA_V1 = 'b'.repeat(40);

let tmp: string;
let cache: string;
let server: http.Server;
let endpoint: string;
let requests = 0;

async function addFile(repo: string, sha: string, name: string, text: string): Promise<void> {
  const folder = path.join(cache, `models--${repo.replace('/', '--')}`);
  const etag = createHash('sha1').update(`${repo}/${sha}/${name}`).digest('hex');
  await fs.mkdir(path.join(folder, 'blobs'), { recursive: true });
  await fs.writeFile(path.join(folder, 'blobs', etag), text);
  const snap = path.join(folder, 'snapshots', sha);
  await fs.mkdir(snap, { recursive: true });
  await fs.symlink(path.join('..', '..', 'blobs', etag), path.join(snap, name));
}

async function addRef(repo: string, ref: string, sha: string): Promise<void> {
  const refs = path.join(cache, `models--${repo.replace('/', '--')}`, 'refs');
  await fs.mkdir(refs, { recursive: true });
  await fs.writeFile(path.join(refs, ref), sha);
}

const offline = (extra: Record<string, string> = {}) =>
  hubEnv({ HF_HUB_CACHE: cache, HF_HUB_OFFLINE: '1', HF_ENDPOINT: endpoint, ...extra });

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-hub-cache-'));
  cache = path.join(tmp, 'hub');
  await addFile('org/bert', SHA_MAIN, 'config.json', '{"model_type":"bert","rev":"main"}');
  await addFile('org/bert', SHA_MAIN, 'model.safetensors', 'weights-main');
  await addFile('org/bert', SHA_V1, 'config.json', '{"model_type":"bert","rev":"v1"}');
  await addFile('org/bert', SHA_V1, 'model.safetensors', 'weights-v1');
  await addRef('org/bert', 'main', SHA_MAIN);
  await addRef('org/bert', 'v1', SHA_V1);
  // A config-only download (what `AutoConfig.from_pretrained` leaves behind): weights missing.
  await addFile('org/partial', SHA_MAIN, 'config.json', '{}');
  await addRef('org/partial', 'main', SHA_MAIN);
  // Sharded weights with one shard absent.
  await addFile('org/sharded', SHA_MAIN, 'config.json', '{}');
  await addFile(
    'org/sharded',
    SHA_MAIN,
    'model.safetensors.index.json',
    JSON.stringify({
      weight_map: { a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors' },
    }),
  );
  await addFile('org/sharded', SHA_MAIN, 'model-00001-of-00002.safetensors', 'x');
  await addRef('org/sharded', 'main', SHA_MAIN);
  await addFile('org/lora', SHA_MAIN, 'adapter_config.json', '{"peft_type":"LORA"}');
  await addFile('org/lora', SHA_MAIN, 'adapter_model.safetensors', 'w');
  await addRef('org/lora', 'main', SHA_MAIN);
  server = http.createServer((_req, res) => {
    requests++;
    res.writeHead(500).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('parseHubId', () => {
  it('reads org/name, legacy names and @revision; refuses paths', () => {
    expect(parseHubId('google-bert/bert-base-uncased')).toEqual({
      repo: 'google-bert/bert-base-uncased',
      revision: 'main',
    });
    expect(parseHubId('bert-base-uncased@v1.0')).toEqual({ repo: 'bert-base-uncased', revision: 'v1.0' });
    expect(parseHubId(`org/m@${SHA_V1}`)?.revision).toBe(SHA_V1);
    for (const bad of [
      './bert',
      '../x',
      '/abs/dir',
      'a/b/c',
      'org--x/y',
      'a\\b',
      'org/name@',
      'org/.x',
      'x@a..b',
      '',
    ]) {
      expect(parseHubId(bad), bad).toBeUndefined();
    }
  });
});

describe('resolveModelPath with HF_HUB_OFFLINE', () => {
  const folder = () => path.join(cache, 'models--org--bert');

  it('resolves main through refs/main to its snapshot, without touching the network', async () => {
    const dir = await resolveModelPath('org/bert', { env: offline(), cwd: tmp });
    expect(dir).toBe(path.join(folder(), 'snapshots', SHA_MAIN));
    expect(JSON.parse(await fs.readFile(path.join(dir, 'config.json'), 'utf8')).rev).toBe('main');
    expect(requests).toBe(0);
  });

  it('pins a tag through refs/<tag> and a commit by its hash', async () => {
    const byTag = await resolveModelPath('org/bert@v1', { env: offline(), cwd: tmp });
    expect(byTag).toBe(path.join(folder(), 'snapshots', SHA_V1));
    const bySha = await resolveModelPath(`org/bert@${SHA_V1}`, { env: offline(), cwd: tmp });
    expect(bySha).toBe(byTag);
    expect(JSON.parse(await fs.readFile(path.join(bySha, 'config.json'), 'utf8')).rev).toBe('v1');
  });

  it('reads HF_HOME/hub when HF_HUB_CACHE is unset', async () => {
    const env = hubEnv({ HF_HOME: tmp, HF_HUB_OFFLINE: 'true', HF_ENDPOINT: endpoint });
    expect(env.cacheDir).toBe(cache);
    expect(await resolveModelPath('org/lora', { env, cwd: tmp })).toBe(
      path.join(cache, 'models--org--lora', 'snapshots', SHA_MAIN),
    );
  });

  it('lets an existing local directory win over a Hub id of the same spelling', async () => {
    const local = path.join(tmp, 'org', 'bert');
    await fs.mkdir(local, { recursive: true });
    try {
      expect(await resolveModelPath('org/bert', { env: offline(), cwd: tmp })).toBe(local);
    } finally {
      await fs.rm(path.join(tmp, 'org'), { recursive: true });
    }
  });

  it('returns what is neither a directory nor a Hub id as a path, for the caller to refuse', async () => {
    expect(await resolveModelPath('./no/such', { env: offline(), cwd: tmp })).toBe(path.join(tmp, 'no/such'));
  });

  it('names what is missing: an uncached repository, a revision, weights, a shard', async () => {
    const fail = (spec: string) =>
      resolveModelPath(spec, { env: offline(), cwd: tmp }).catch((e: Error) => e);
    const unknown = await fail('org/unknown');
    expect(unknown).toBeInstanceOf(UserError);
    expect((unknown as Error).message).toMatch(
      /^org\/unknown: no such local directory, and HF_HUB_OFFLINE is set: no snapshot for revision 'main' in .*models--org--unknown/,
    );
    expect(((await fail('org/bert@v2')) as Error).message).toMatch(
      /org\/bert@v2: .*no snapshot for revision 'v2'/,
    );
    expect(((await fail('org/partial')) as Error).message).toMatch(
      /lacks model\.safetensors \(or model\.safetensors\.index\.json\)/,
    );
    expect(((await fail('org/sharded')) as Error).message).toMatch(
      /lacks model-00002-of-00002\.safetensors;/,
    );
    expect(requests).toBe(0);
  });

  it('treats a snapshot whose blob was deleted as incomplete', async () => {
    const link = path.join(cache, 'models--org--lora', 'snapshots', SHA_MAIN, 'adapter_model.safetensors');
    const blob = path.resolve(path.dirname(link), await fs.readlink(link));
    const moved = path.join(tmp, 'moved-blob');
    await fs.rename(blob, moved);
    try {
      const err = await resolveModelPath('org/lora', { env: offline(), cwd: tmp }).catch((e: Error) => e);
      expect((err as Error).message).toMatch(/snapshots\/a{40} lacks adapter_model\.safetensors;/);
    } finally {
      await fs.rename(moved, blob);
    }
    expect(await resolveModelPath('org/lora', { env: offline(), cwd: tmp })).toBe(path.dirname(link));
  });
});

describe('resolveModelPath with the Hub unreachable', () => {
  const unreachable = () => hubEnv({ HF_HUB_CACHE: cache, HF_ENDPOINT: 'http://127.0.0.1:1' });

  it('falls back to a complete cached snapshot with a note', async () => {
    const notes: string[] = [];
    const dir = await resolveModelPath('org/bert', {
      env: unreachable(),
      cwd: tmp,
      log: (l) => notes.push(l),
    });
    expect(dir).toBe(path.join(cache, 'models--org--bert', 'snapshots', SHA_MAIN));
    expect(notes.join('\n')).toMatch(
      /^note: http:\/\/127\.0\.0\.1:1 unreachable .*using the cached org\/bert@main/,
    );
  });

  it('fails naming the endpoint when nothing usable is cached', async () => {
    const err = await resolveModelPath('org/partial', { env: unreachable(), cwd: tmp, log: () => {} }).catch(
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(
      /^org\/partial: no such local directory, and the Hub at http:\/\/127\.0\.0\.1:1 is unreachable .*nothing usable is cached/,
    );
  });

  it('refuses an HF_TOKEN the client library would reject, naming the variable', async () => {
    const env = hubEnv({ HF_HUB_CACHE: cache, HF_ENDPOINT: 'http://127.0.0.1:1', HF_TOKEN: 'abc' });
    const err = await resolveModelPath('org/unknown', { env, cwd: tmp, log: () => {} }).catch(
      (e: Error) => e,
    );
    expect((err as Error).message).toBe("HF_TOKEN: expected a Hugging Face token starting with 'hf_'");
  });
});
