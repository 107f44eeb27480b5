import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { createRepo, HubApiError, uploadFiles } from '@huggingface/hub';
import { type HubEnv, hubCredentials, hubEnv } from '../../io/hub/hub-env.js';
import { parseHubId } from '../../io/hub/hub-id.js';
import { hubIdOfSnapshot } from '../../io/hub/hub-snapshot-id.js';
import { exists } from '../../io/read-json.js';
import { ADAPTER_FILES } from '../../peft/adapter-file.js';
import type { TrainSummary } from '../../train/report/summary.js';
import { UserError } from '../user-error.js';
import { PEFTKIT_VERSION } from '../version.js';
import { modelCard } from './model-card.js';
import { baseDirOf, readRunManifest } from './run-manifest.js';

/** Files of an adapter run that go to the Hub besides the adapter and the card. */
const EXTRA_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'vocab.txt',
  'vocab.json',
  'merges.txt',
  'preprocessor_config.json',
];

/** Options of `pushRun`. */
export interface PushRunOptions {
  /** `org/name` of the target model repository (created when missing). */
  readonly repo: string;
  /** The base's Hub id, when the run's base is not a Hugging Face cache snapshot. */
  readonly baseModel?: string;
  /** Create the repository private. */
  readonly private?: boolean;
  /** Branch to commit to. Default `main`. */
  readonly branch?: string;
  /** Commit title. */
  readonly message?: string;
  readonly env?: HubEnv;
  readonly log?: (line: string) => void;
}

/** What `pushRun` uploaded. */
export interface PushRunResult {
  readonly repo: string;
  readonly commit: string | undefined;
  readonly files: string[];
  readonly baseModel: string | undefined;
}

/**
 * Uploads a finished adapter run to the Hugging Face Hub as an HF PEFT adapter repository:
 * `adapter_config.json` (its `base_model_name_or_path` / `revision` set to the base's Hub id and
 * commit), `adapter_model.safetensors`, tokenizer files and a model card (`README.md`, YAML front
 * matter `library_name: peft`, `base_model`, tags, metrics from `summary.json`). The base's id is
 * read from the run's base when it is a Hugging Face cache snapshot, else `baseModel`. Needs
 * `HF_TOKEN`; honours `HF_ENDPOINT`.
 *
 * @example
 * await pushRun('runs/imdb-lora', { repo: 'me/bert-imdb-lora' });
 */
export async function pushRun(runDir: string, o: PushRunOptions): Promise<PushRunResult> {
  const env = o.env ?? hubEnv();
  const parsed = parseHubId(o.repo);
  const target = parsed?.repo.includes('/') && !o.repo.includes('@') ? parsed : undefined;
  if (!target) throw new UserError(`--repo ${o.repo}: expected <org>/<name>`);
  if (env.offline) throw new UserError('push: HF_HUB_OFFLINE is set; unset it to upload');
  if (!env.token) throw new UserError('push: set HF_TOKEN to a token with write access');
  const credentials = { accessToken: hubCredentials(env).accessToken ?? env.token };
  const dir = path.resolve(runDir);
  const manifest = await readRunManifest(dir);
  if (manifest.status !== 'complete')
    throw new UserError(`${runDir}: the run did not finish (status '${manifest.status}')`);
  if (manifest.kind !== 'adapter') {
    throw new UserError(
      `${runDir}: a ${manifest.kind} run; push uploads adapter runs (merged checkpoints: not yet)`,
    );
  }
  const baseDir = baseDirOf(dir, manifest);
  const snapshot = baseDir ? hubIdOfSnapshot(baseDir) : undefined;
  const baseModel = o.baseModel ?? snapshot?.repo;
  if (!baseModel) {
    throw new UserError(
      `${runDir}: its base ${baseDir ?? '(none)'} is not a Hub model in the Hugging Face cache; pass --base-model <org/name> naming it on the Hub (an adapter on a random base is useless to others)`,
    );
  }
  const adapterConfig = JSON.parse(await fs.readFile(path.join(dir, ADAPTER_FILES.config), 'utf8'));
  const revision = o.baseModel === undefined ? snapshot?.sha : undefined;
  const config = { ...adapterConfig, base_model_name_or_path: baseModel, revision: revision ?? null };
  const summary = await readSummary(dir);
  const card = modelCard({
    repo: target.repo,
    baseModel,
    peftType: String(config.peft_type ?? 'adapter'),
    taskType: typeof config.task_type === 'string' ? config.task_type : undefined,
    task: manifest.config.task,
    labels: manifest.labels ?? undefined,
    metrics: summary?.finalMetrics ?? undefined,
    steps: summary?.steps,
    peftkitVersion: PEFTKIT_VERSION,
  });
  const files: { path: string; content: Blob }[] = [
    { path: ADAPTER_FILES.config, content: new Blob([`${JSON.stringify(config, null, 2)}\n`]) },
    {
      path: ADAPTER_FILES.weights,
      content: new Blob([await fs.readFile(path.join(dir, ADAPTER_FILES.weights))]),
    },
    { path: 'README.md', content: new Blob([card]) },
  ];
  // The sidecar carries the run's label names: HF PEFT files have none, and the base's id2label
  // names the base's task, not this adapter's.
  const sidecarFile = path.join(dir, ADAPTER_FILES.sidecar);
  if (await exists(sidecarFile)) {
    const sidecar = JSON.parse(await fs.readFile(sidecarFile, 'utf8'));
    const labels = manifest.labels ? { labels: [...manifest.labels] } : {};
    files.push({
      path: ADAPTER_FILES.sidecar,
      content: new Blob([`${JSON.stringify({ ...sidecar, ...labels }, null, 2)}\n`]),
    });
  }
  for (const name of EXTRA_FILES) {
    const file = path.join(dir, name);
    if (await exists(file)) files.push({ path: name, content: new Blob([await fs.readFile(file)]) });
  }
  const repo = { type: 'model' as const, name: target.repo };
  try {
    try {
      await createRepo({
        repo,
        hubUrl: env.endpoint,
        ...(o.private ? { private: true } : {}),
        ...credentials,
      });
      o.log?.(`created ${target.repo} on ${env.endpoint}`);
    } catch (err) {
      // 409: the repository exists already; commit to it.
      if (!(err instanceof HubApiError && err.statusCode === 409)) throw err;
    }
    const out = await uploadFiles({
      repo,
      files,
      hubUrl: env.endpoint,
      branch: o.branch ?? 'main',
      commitTitle: o.message ?? `peftkit: upload ${config.peft_type ?? 'adapter'} adapter`,
      useXet: false,
      ...credentials,
    });
    const names = files.map((f) => f.path);
    o.log?.(`uploaded ${names.join(', ')} to ${target.repo}`);
    return { repo: target.repo, commit: out?.commit.oid, files: names, baseModel };
  } catch (err) {
    if (err instanceof HubApiError) {
      const why =
        err.statusCode === 401 || err.statusCode === 403
          ? `access denied (${err.statusCode}): HF_TOKEN cannot write to ${target.repo}`
          : `HTTP ${err.statusCode}: ${err.message}`;
      throw new UserError(`push ${target.repo} to ${env.endpoint}: ${why}`, 2, { cause: err });
    }
    if (err instanceof UserError) throw err;
    throw new UserError(`push ${target.repo} to ${env.endpoint}: ${(err as Error).message}`, 2, {
      cause: err,
    });
  }
}

async function readSummary(dir: string): Promise<TrainSummary | undefined> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, 'summary.json'), 'utf8')) as TrainSummary;
  } catch {
    return undefined;
  }
}
