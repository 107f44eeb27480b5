import * as os from 'node:os';
import * as path from 'node:path';
import { UserError } from '../../plugin/user-error.js';

/** Where and how the Hub is reached, from the environment variables `huggingface_hub` reads. */
export interface HubEnv {
  /** `HF_HUB_CACHE`, else `HF_HOME/hub`, else `~/.cache/huggingface/hub` (XDG_CACHE_HOME honoured). */
  readonly cacheDir: string;
  /** `HF_ENDPOINT` without a trailing '/', else `https://huggingface.co`. */
  readonly endpoint: string;
  /** `HF_TOKEN`, sent as `Authorization: Bearer`. */
  readonly token: string | undefined;
  /** `HF_HUB_OFFLINE` is 1/true/yes/on: the network is never touched. */
  readonly offline: boolean;
}

/** Reads the Hub settings from `env` (default `process.env`) the way Python's `huggingface_hub` does. */
export function hubEnv(env: NodeJS.ProcessEnv = process.env): HubEnv {
  const home =
    env['HF_HOME'] || path.join(env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache'), 'huggingface');
  const token = env['HF_TOKEN']?.trim();
  return {
    cacheDir: path.resolve(env['HF_HUB_CACHE'] || path.join(home, 'hub')),
    endpoint: (env['HF_ENDPOINT'] || 'https://huggingface.co').replace(/\/+$/, ''),
    token: token ? token : undefined,
    offline: ['1', 'true', 'yes', 'on'].includes((env['HF_HUB_OFFLINE'] ?? '').trim().toLowerCase()),
  };
}

/** `{ accessToken }` for `@huggingface/hub` calls (none without a token); refuses a token the library would reject. */
export function hubCredentials(env: HubEnv): { accessToken?: string } {
  if (env.token === undefined) return {};
  if (!env.token.startsWith('hf_'))
    throw new UserError("HF_TOKEN: expected a Hugging Face token starting with 'hf_'");
  return { accessToken: env.token };
}
