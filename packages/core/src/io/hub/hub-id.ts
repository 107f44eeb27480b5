/** A Hugging Face Hub model repository and the revision asked for. */
export interface HubRef {
  /** `org/name` (or a legacy `name` without organisation). */
  readonly repo: string;
  /** A branch, tag or 40-hex commit; `main` when the string names none. */
  readonly revision: string;
}

// huggingface_hub's validate_repo_id: word characters, '-', '.', at most one '/', no '--' or
// '..', not starting or ending with '-' or '.', at most 96 characters.
const PART = /^[A-Za-z0-9_](?:[\w.-]*[A-Za-z0-9_])?$/;

/**
 * Reads `org/name[@revision]` as a Hub id, or undefined when the string cannot be one (an
 * absolute or `./` path, a Windows path, `..`, more than one `/`, ...). Existing local directories
 * are checked by the caller first: a string may be both.
 *
 * @example
 * parseHubId('google-bert/bert-base-uncased@v1.0'); // { repo: 'google-bert/bert-base-uncased', revision: 'v1.0' }
 */
export function parseHubId(spec: string): HubRef | undefined {
  const at = spec.indexOf('@');
  const repo = at >= 0 ? spec.slice(0, at) : spec;
  const revision = at >= 0 ? spec.slice(at + 1) : 'main';
  if (repo.length === 0 || repo.length > 96 || repo.includes('--') || repo.includes('..')) return undefined;
  if (repo.endsWith('.git')) return undefined;
  const parts = repo.split('/');
  if (parts.length > 2 || !parts.every((p) => PART.test(p))) return undefined;
  // A revision is a git ref name: no spaces, no '..', no leading '/' or '-'.
  if (!/^[\w.][\w./-]*$/.test(revision) || revision.includes('..') || revision.endsWith('/'))
    return undefined;
  return { repo, revision };
}

/** True for a full 40-hex commit id (which the cache keys snapshots by). */
export function isCommitHash(revision: string): boolean {
  return /^[0-9a-f]{40}$/.test(revision);
}
