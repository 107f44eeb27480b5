import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One commit of a served repository: file name -> bytes. */
export type HubCommitFiles = ReadonlyMap<string, Uint8Array>;

/** A request the loopback Hub received. */
export interface HubRequest {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
}

/** A Hub stand-in on 127.0.0.1 for tests; `url` goes into HF_ENDPOINT. */
export interface LoopbackHub {
  readonly url: string;
  readonly requests: HubRequest[];
  /** Adds a commit to `repo` and points `refs` (branches/tags) at it; returns its sha. */
  commit(repo: string, files: HubCommitFiles, refs: readonly string[]): string;
  /** The files of `repo` at a branch, tag or commit (undefined when unknown). */
  filesAt(repo: string, rev: string): HubCommitFiles | undefined;
  /** When set, every request without `Authorization: Bearer <token>` gets 401. */
  requireToken(token: string | undefined): void;
  close(): Promise<void>;
}

// Files the real Hub stores with Git LFS (ETag is then the sha256, sent as X-Linked-Etag).
const isLfs = (name: string) => name.endsWith('.safetensors') || name.endsWith('.bin');
const gitBlobSha = (bytes: Uint8Array) =>
  createHash('sha1').update(`blob ${bytes.byteLength}\0`).update(bytes).digest('hex');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Serves model repositories the way huggingface.co answers the calls `@huggingface/hub` makes
 * (read in its dist code): `GET /api/models/{repo}/revision/{rev}` (model info with `sha` and
 * `siblings`), `GET /{repo}/resolve/{rev}/{file}` (with `Range: bytes=0-0` for the size; headers
 * `X-Repo-Commit`, `ETag`, and for LFS files `X-Linked-Etag` / `X-Linked-Size`), 404s with
 * `X-Error-Code` (`RepoNotFound`, `RevisionNotFound`, `EntryNotFound`) and JSON bodies; and the
 * upload path of `createRepo` + `uploadFiles` without Xet: `POST /api/repos/create` (409 when it
 * exists), `POST /api/models/{repo}/preupload/{branch}`, the Git LFS batch API
 * (`POST /{repo}.git/info/lfs/objects/batch`, basic transfer, then `PUT` to the returned href,
 * sha256 checked) and `POST /api/models/{repo}/commit/{branch}` (NDJSON: header, `file` base64,
 * `lfsFile` by oid), which makes a new commit on top of the branch.
 */
export async function startLoopbackHub(): Promise<LoopbackHub> {
  const commits = new Map<string, Map<string, HubCommitFiles>>();
  const refs = new Map<string, Map<string, string>>();
  const requests: HubRequest[] = [];
  let token: string | undefined;
  let counter = 0;
  const lfs = new Map<string, Uint8Array>();

  const fail = (res: http.ServerResponse, status: number, code: string, error: string) => {
    res.writeHead(status, { 'Content-Type': 'application/json', 'X-Error-Code': code });
    res.end(JSON.stringify({ error }));
  };
  type Found = { sha: string; files: HubCommitFiles } | { error: 'RepoNotFound' | 'RevisionNotFound' };
  const lookup = (repo: string, rev: string): Found => {
    const byRepo = commits.get(repo);
    if (!byRepo) return { error: 'RepoNotFound' };
    const sha = refs.get(repo)?.get(rev) ?? (byRepo.has(rev) ? rev : undefined);
    const files = sha ? byRepo.get(sha) : undefined;
    return sha && files ? { sha, files } : { error: 'RevisionNotFound' };
  };

  const addCommit = (repo: string, files: HubCommitFiles, names: readonly string[]) => {
    counter++;
    const sha = createHash('sha1').update(`${repo}#${counter}`).digest('hex');
    if (!commits.has(repo)) commits.set(repo, new Map());
    commits.get(repo)?.set(sha, files);
    if (!refs.has(repo)) refs.set(repo, new Map());
    for (const r of names) refs.get(repo)?.set(r, sha);
    return sha;
  };
  const json = (res: http.ServerResponse, value: unknown) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(value));
  };

  const upload = (req: http.IncomingMessage, res: http.ServerResponse, parts: string[], body: Buffer) => {
    if (req.method === 'POST' && parts.join('/') === 'api/repos/create') {
      const b = JSON.parse(body.toString('utf8')) as { name: string; organization: string };
      const repo = `${b.organization}/${b.name}`;
      if (commits.has(repo)) return fail(res, 409, 'RepoExists', 'You already created this model repo');
      commits.set(repo, new Map());
      return json(res, { url: `${base()}/${repo}`, name: repo });
    }
    if (req.method === 'POST' && parts[0] === 'api' && parts[1] === 'models' && parts[4] === 'preupload') {
      const b = JSON.parse(body.toString('utf8')) as { files: { path: string }[] };
      return json(res, {
        files: b.files.map((f) => ({ path: f.path, uploadMode: isLfs(f.path) ? 'lfs' : 'regular' })),
      });
    }
    if (req.method === 'POST' && parts.slice(2).join('/') === 'info/lfs/objects/batch') {
      const b = JSON.parse(body.toString('utf8')) as { objects: { oid: string; size: number }[] };
      return json(res, {
        transfer: 'basic',
        objects: b.objects.map((o) => ({
          ...o,
          actions: { upload: { href: `${base()}/lfs-upload/${o.oid}` } },
        })),
      });
    }
    if (req.method === 'PUT' && parts[0] === 'lfs-upload') {
      if (sha256(body) !== parts[1]) return fail(res, 400, 'BadOid', 'sha256 mismatch');
      lfs.set(parts[1] as string, new Uint8Array(body));
      res.writeHead(200).end();
      return;
    }
    if (req.method === 'POST' && parts[0] === 'api' && parts[1] === 'models' && parts[4] === 'commit') {
      const repo = `${parts[2]}/${parts[3]}`;
      const branch = parts[5] as string;
      if (!commits.has(repo)) return fail(res, 404, 'RepoNotFound', `${repo}: RepoNotFound`);
      const head = refs.get(repo)?.get(branch);
      const files = new Map(head ? commits.get(repo)?.get(head) : undefined);
      for (const line of body.toString('utf8').split('\n').filter(Boolean)) {
        const { key, value } = JSON.parse(line) as { key: string; value: Record<string, string> };
        if (key === 'file')
          files.set(
            value['path'] as string,
            new Uint8Array(Buffer.from(value['content'] as string, 'base64')),
          );
        if (key === 'lfsFile') {
          const bytes = lfs.get(value['oid'] as string);
          if (!bytes) return fail(res, 400, 'MissingLfs', `no LFS object ${value['oid']}`);
          files.set(value['path'] as string, bytes);
        }
      }
      const sha = addCommit(repo, files, [branch]);
      return json(res, { commitOid: sha, commitUrl: `${base()}/${repo}/commit/${sha}` });
    }
    fail(res, 404, 'NotFound', `no route ${req.method} /${parts.join('/')}`);
  };

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push({
      method: req.method ?? 'GET',
      url: req.url ?? '',
      authorization: req.headers.authorization,
    });
    if (token !== undefined && req.headers.authorization !== `Bearer ${token}`) {
      return fail(res, 401, 'Unauthorized', 'Invalid credentials in Authorization header');
    }
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] === 'api' && parts[1] === 'models' && parts[4] === 'revision' && parts.length === 6) {
      const repo = `${parts[2]}/${parts[3]}`;
      const found = lookup(repo, parts[5] as string);
      if ('error' in found) return fail(res, 404, found.error, `${repo}: ${found.error}`);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(
        JSON.stringify({
          _id: `id-${repo}`,
          id: repo,
          sha: found.sha,
          private: false,
          downloads: 0,
          likes: 0,
          lastModified: '2026-12-01T00:00:00.000Z',
          siblings: [...found.files.keys()].map((rfilename) => ({ rfilename })),
        }),
      );
    }
    if (parts[2] === 'resolve' && parts.length >= 5) {
      const repo = `${parts[0]}/${parts[1]}`;
      const found = lookup(repo, parts[3] as string);
      if ('error' in found) return fail(res, 404, found.error, `${repo}: ${found.error}`);
      const name = parts.slice(4).join('/');
      const bytes = found.files.get(name);
      if (!bytes) return fail(res, 404, 'EntryNotFound', `${name} not found`);
      const headers: Record<string, string> = {
        'X-Repo-Commit': found.sha,
        ETag: `"${gitBlobSha(bytes)}"`,
        'Content-Type': 'application/octet-stream',
        'Accept-Ranges': 'bytes',
      };
      if (isLfs(name)) {
        headers['X-Linked-Etag'] = `"${sha256(bytes)}"`;
        headers['X-Linked-Size'] = String(bytes.byteLength);
      }
      const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
      if (range) {
        const start = Number(range[1]);
        const end = Math.min(Number(range[2]), bytes.byteLength - 1);
        res.writeHead(206, { ...headers, 'Content-Range': `bytes ${start}-${end}/${bytes.byteLength}` });
        return res.end(Buffer.from(bytes.subarray(start, end + 1)));
      }
      res.writeHead(200, { ...headers, 'Content-Length': String(bytes.byteLength) });
      return res.end(Buffer.from(bytes));
    }
    upload(req, res, parts, body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  function base() {
    return `http://127.0.0.1:${port}`;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    commit: addCommit,
    filesAt(repo, rev) {
      const found = lookup(repo, rev);
      return 'error' in found ? undefined : found.files;
    },
    requireToken(t) {
      token = t;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
