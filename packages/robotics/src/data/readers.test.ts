import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Dataset, encodeNpy, encodeNpz } from '@peftkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import type { StepExample } from './episode.js';
import { episodeReaderOptions, episodeReadResult, readEpisodes, robomimicReader } from './episode-readers.js';
import { readJsonlEpisodes } from './jsonl-episodes.js';
import { readLeRobotDataset } from './lerobot-dataset.js';
import { readNpzEpisodes } from './npz-episodes.js';
import { readRobomimicHdf5 } from './robomimic-hdf5.js';
import { syntheticEpisodes } from './testing/synthetic-episodes.js';

const testData = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-data');
const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'episodes-'));
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

const write = async (name: string, data: string | Uint8Array) => {
  const file = path.join(tmp, name);
  await fs.writeFile(file, data);
  return file;
};

describe('committed fixtures', () => {
  it('reads the robomimic file made by h5py: obs concatenated, image obs and states skipped, filter keys', async () => {
    const file = path.join(testData, 'robomimic-tiny.hdf5');
    const all = await readRobomimicHdf5(file);
    expect(all.episodes.map((e) => [e.index, e.length])).toEqual([
      [0, 5],
      [1, 4],
      [2, 6],
    ]);
    // Sorted obs keys: object (2) then robot0_eef_pos (3).
    expect(all.features['observation.state']?.names).toEqual([
      'object[0]',
      'object[1]',
      'robot0_eef_pos[0]',
      'robot0_eef_pos[1]',
      'robot0_eef_pos[2]',
    ]);
    const d2 = all.episodes[2]!;
    const t = 3;
    expect(Array.from(d2.features['observation.state']!.subarray(t * 5, t * 5 + 5))).toEqual([
      0.5 * t,
      2,
      2 + t,
      20 + t,
      -t,
    ]);
    expect(Array.from(d2.features['action']!.subarray(t * 2, t * 2 + 2))).toEqual([Math.fround(t / 10), -2]);
    expect(Array.from(d2.done!)).toEqual([0, 0, 0, 0, 0, 1]);
    expect(all.skipped.map((s) => s.key)).toEqual(['obs/agentview_image', 'states']);
    const train = await readRobomimicHdf5(file, { filterKey: 'train', obsKeys: ['robot0_eef_pos'] });
    expect(train.episodes.map((e) => e.index)).toEqual([0, 2]);
    expect(train.features['observation.state']?.dim).toBe(3);
    await expect(readRobomimicHdf5(file, { filterKey: 'test' })).rejects.toThrow(
      /no filter key 'mask\/test' \(filter keys: train, valid\)/,
    );
    await expect(readRobomimicHdf5(file, { obsKeys: ['agentview_image'] })).rejects.toThrow(
      /obs key 'agentview_image' is not a low-dimensional observation/,
    );
  });

  it('reads the committed LeRobot v3.0 dataset and reports its camera as skipped', async () => {
    const set = await readLeRobotDataset(path.join(testData, 'lerobot-v3-tiny'));
    expect(set.episodes.map((e) => e.length)).toEqual([8, 8, 8]);
    expect(set.skipped).toEqual([{ key: 'observation.images.top', reason: 'video' }]);
    const expected = syntheticEpisodes(3, 8);
    expect(Array.from(set.episodes[1]!.features['action']!)).toEqual(
      Array.from(expected.episodes[1]!.features['action']!),
    );
    const result = episodeReadResult(set, episodeReaderOptions.parse({}));
    expect(result.dataset.length).toBe(24);
    expect(result.warnings?.[0]).toMatch(
      /not loaded \(state-only policies\): observation\.images\.top \(video\)/,
    );
  });
});

describe('readJsonlEpisodes', () => {
  const line = (o: unknown) => JSON.stringify(o);
  it('groups steps by episode, orders by frame_index, keeps rewards/done/task', async () => {
    const file = await write(
      'ok.jsonl',
      [
        line({
          episode_index: 1,
          frame_index: 1,
          'observation.state': [3, 4],
          action: [0.5],
          reward: 1,
          done: true,
          task: 'b',
        }),
        line({
          episode_index: 0,
          frame_index: 0,
          'observation.state': [0, 1],
          action: [0.1],
          reward: 0,
          done: false,
        }),
        '',
        line({
          episode_index: 1,
          frame_index: 0,
          'observation.state': [2, 3],
          action: [0.4],
          reward: 0,
          done: false,
          task: 'b',
        }),
      ].join('\n'),
    );
    const set = await readJsonlEpisodes(file);
    expect(set.features).toEqual({ 'observation.state': { dim: 2 }, action: { dim: 1 } });
    expect(set.episodes.map((e) => [e.index, e.length, e.task])).toEqual([
      [0, 1, undefined],
      [1, 2, 'b'],
    ]);
    expect(Array.from(set.episodes[1]!.features['observation.state']!)).toEqual([2, 3, 3, 4]);
    expect(Array.from(set.episodes[1]!.done!)).toEqual([0, 1]);
  });

  it('names the line of bad JSON, the feature of a width change and a missing episode_index', async () => {
    const bad = await write('bad.jsonl', `${line({ episode_index: 0, action: [1] })}\n{oops\n`);
    await expect(readJsonlEpisodes(bad)).rejects.toThrow(/bad\.jsonl:2: not valid JSON/);
    const width = await write(
      'width.jsonl',
      [line({ episode_index: 0, action: [1, 2] }), line({ episode_index: 0, action: [1] })].join('\n'),
    );
    await expect(readJsonlEpisodes(width)).rejects.toThrow(
      /width\.jsonl:2: feature 'action' has 1 values in episode 0 frame 1, expected 2/,
    );
    const noEp = await write('noep.jsonl', line({ action: [1] }));
    await expect(readJsonlEpisodes(noEp)).rejects.toThrow(/noep\.jsonl:1: missing 'episode_index'/);
    const empty = await write('empty.jsonl', '\n\n');
    await expect(readJsonlEpisodes(empty)).rejects.toThrow(/empty\.jsonl: no steps found/);
  });
});

describe('readNpzEpisodes', () => {
  const obs = encodeNpy('<f4', [5, 2], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const act = encodeNpy('<f4', [5, 1], [10, 11, 12, 13, 14]);
  it('splits by episode_ends or episode_index and maps common array names', async () => {
    const ends = await write(
      'ends.npz',
      encodeNpz({ obs, actions: act, episode_ends: encodeNpy('<i8', [2], [2, 5]) }),
    );
    const a = await readNpzEpisodes(ends);
    expect(a.episodes.map((e) => [e.index, e.length])).toEqual([
      [0, 2],
      [1, 3],
    ]);
    expect(Array.from(a.episodes[1]!.features['observation.state']!)).toEqual([4, 5, 6, 7, 8, 9]);
    const idx = await write(
      'idx.npz',
      encodeNpz({
        'observation.state': obs,
        action: act,
        episode_index: encodeNpy('<i8', [5], [7, 7, 3, 3, 3]),
      }),
    );
    expect((await readNpzEpisodes(idx)).episodes.map((e) => [e.index, e.length])).toEqual([
      [7, 2],
      [3, 3],
    ]);
  });

  it('names the array when step counts or boundaries are wrong', async () => {
    const short = await write(
      'short.npz',
      encodeNpz({
        obs: encodeNpy('<f4', [4, 2], new Array(8).fill(0)),
        actions: act,
        episode_ends: encodeNpy('<i8', [1], [5]),
      }),
    );
    await expect(readNpzEpisodes(short)).rejects.toThrow(
      /short\.npz: 'observation\.state' has 4 steps, 'action' has 5/,
    );
    const ends = await write(
      'badends.npz',
      encodeNpz({ obs, actions: act, episode_ends: encodeNpy('<i8', [2], [3, 4]) }),
    );
    await expect(readNpzEpisodes(ends)).rejects.toThrow(
      /badends\.npz: episode_ends ends at 4, but there are 5 steps/,
    );
    const none = await write('none.npz', encodeNpz({ obs, actions: act }));
    await expect(readNpzEpisodes(none)).rejects.toThrow(/none\.npz: no 'episode_index'/);
  });
});

describe('episode readers', () => {
  it('makes one example per step, grouped by episode', async () => {
    const set = syntheticEpisodes(3, 4);
    const result = episodeReadResult(set, episodeReaderOptions.parse({}));
    expect(result.dataset.length).toBe(12);
    const ex = await (result.dataset as Dataset<StepExample>).get(5);
    expect([ex.episode.index, ex.t, result.groupOf?.(ex)]).toEqual([1, 1, 1]);
    expect(() => episodeReadResult(set, episodeReaderOptions.parse({ episodes: [1, 9] }))).toThrow(
      /no episode 9/,
    );
  });

  it('refuses a file that is not HDF5 and a truncated HDF5 with the file name', async () => {
    const fake = await write('fake.hdf5', 'not hdf5 at all');
    await expect(readRobomimicHdf5(fake)).rejects.toThrow(/fake\.hdf5: not an HDF5 file/);
    const bytes = await fs.readFile(path.join(testData, 'robomimic-tiny.hdf5'));
    const cut = await write('cut.hdf5', bytes.subarray(0, 3000));
    await expect(readRobomimicHdf5(cut)).rejects.toThrow(
      /^\S*cut\.hdf5: cannot open as HDF5: truncated file: eof = 3000, .*stored_eof = 26360$/,
    );
    expect(await robomimicReader.canRead('x/low_dim.hdf5')).toBe(true);
  });

  it('readEpisodes picks the format by location', async () => {
    const set = await readEpisodes(path.join(testData, 'lerobot-v3-tiny'));
    expect(set.episodes).toHaveLength(3);
    await expect(readEpisodes(path.join(tmp, 'x.csv'))).rejects.toThrow(/not a robotics episode source/);
  });
});
