import * as fs from 'node:fs/promises';
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
  options: { maxFrames?: number | undefined; maxBytes?: number | undefined } = {},
): Promise<EpisodeSet> {
  const max = options.maxBytes ?? DEFAULT_MAX_JSONL_BYTES;
  const stat = await fs.stat(file).catch((err: Error) => {
    throw new Error(`cannot read ${file}: ${err.message}`);
  });
  if (stat.size > max) throw new Error(`${file}: ${stat.size} bytes, over the limit of ${max}`);
  const text = await fs.readFile(file, 'utf8');
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
    const r = row as Record<string, unknown>;
    if (typeof r['task'] === 'string') tasks.add(r['task']);
    builder.add(r, `${file}:${i + 1}`);
  });
  const { episodes, features } = builder.finish();
  return { source: file, fps: undefined, features, episodes, skipped: [] };
}
