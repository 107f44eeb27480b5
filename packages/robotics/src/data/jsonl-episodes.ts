import { checkJsonDepth, type InputLimits, readTextBounded, resolveInputLimits } from '@peftkit/core';
import type { EpisodeSet } from './episode.js';
import { EpisodeBuilder } from './episode-builder.js';

/** Most bytes of a JSONL episode file (default 512 MiB). */
export const DEFAULT_MAX_JSONL_BYTES = 512 * 1024 ** 2;

/**
 * Reads steps from JSON Lines, one step per line: `episode_index`, the features as numbers or
 * number lists (`"observation.state": [..]`, `"action": [..]`), and optionally `frame_index`,
 * `reward`, `done`, `task`. Blank lines are ignored; errors name the file and line.
 *
 * @example const set = await readJsonlEpisodes('demos.jsonl');
 */
export async function readJsonlEpisodes(
  file: string,
  options: {
    maxFrames?: number | undefined;
    /** Overrides `limits.maxFileBytes` (default `DEFAULT_MAX_JSONL_BYTES`). */
    maxBytes?: number | undefined;
    limits?: InputLimits | undefined;
  } = {},
): Promise<EpisodeSet> {
  const limits = resolveInputLimits({
    ...options.limits,
    maxFileBytes: options.maxBytes ?? options.limits?.maxFileBytes ?? DEFAULT_MAX_JSONL_BYTES,
  });
  const text = await readTextBounded(file, limits);
  const builder = new EpisodeBuilder({ source: file, maxFrames: options.maxFrames });
  const tasks = new Set<string>();
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (err) {
      throw new Error(`${file}:${i + 1}: not valid JSON: ${(err as Error).message}`);
    }
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      throw new Error(`${file}:${i + 1}: expected a JSON object per line`);
    }
    checkJsonDepth(row, `${file}:${i + 1}`, limits);
    const r = row as Record<string, unknown>;
    if (typeof r['task'] === 'string') tasks.add(r['task']);
    builder.add(r, `${file}:${i + 1}`);
  });
  const { episodes, features } = builder.finish();
  return { source: file, fps: undefined, features, episodes, skipped: [] };
}
