/**
 * Per-accent adapters at inference on the synthetic tone speech (each letter a tone, an accent a
 * pitch factor): a base trained whole on the source accent, one LoRA run per target accent, then
 * one mixed batch routed per clip. Routed transcripts must equal each clip run alone through its
 * own adapter's run (`loadRun` + `predictRun`), and a clip of an accent without an adapter must
 * equal the base run's transcript.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  createPeftkit,
  initBackend,
  loadRun,
  type PeftkitHost,
  predictRun,
  resolveRunConfig,
  trainRun,
  UserError,
} from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeToneLocale } from '../data/testing/index.js';
import { speechPlugin } from '../plugin.js';
import { loadAccentAdapters } from './accent-adapters.js';

const TINY = {
  model: {
    config: {
      num_mel_bins: 40,
      d_model: 32,
      encoder_layers: 1,
      encoder_attention_heads: 2,
      encoder_ffn_dim: 64,
      dropout: 0,
    },
  },
  preprocess: { options: { specAugment: false } },
};

const ACCENTS = [
  { accent: 'Scottish English', factor: 1.06, seed: 6 },
  { accent: 'Irish English', factor: 0.92, seed: 7 },
  { accent: 'Welsh English', factor: 1.12, seed: 8 },
] as const;

const ADAPT = 'speech/accent-adaptation';
let host: PeftkitHost;
let routerDir: string;
let tmp: string;
const folders: Record<string, string> = {};
let baseDir: string;
const adapterDirs: Record<string, string> = {};

async function train(
  preset: string,
  name: string,
  data: string,
  overrides: Record<string, unknown>,
  training: Record<string, unknown>,
): Promise<string> {
  const out = path.join(tmp, 'runs', name);
  const { config } = resolveRunConfig({
    preset: host.presets.get(preset),
    layers: [
      { name: 'tiny', value: TINY },
      {
        name: 'test',
        value: { data: { train: data }, training: { batchSize: 4, lr: 1e-2, seed: 1, ...training } },
      },
      { name: 'overrides', value: overrides },
    ],
    peftMethods: host.peftMethods,
  });
  await trainRun(host, { config, outDir: out, progress: 'none', log: () => {} });
  return out;
}

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  host = await createPeftkit({ plugins: [speechPlugin] });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-accent-adapters-'));
  folders['source'] = path.join(tmp, 'source');
  await writeToneLocale(folders['source'], {
    factor: 1,
    accent: 'England English',
    seed: 5,
    counts: { train: 24, dev: 4 },
  });
  for (const a of ACCENTS) {
    folders[a.accent] = path.join(tmp, a.accent.replace(' ', '-'));
    await writeToneLocale(folders[a.accent] as string, { ...a, counts: { train: 16, dev: 4 } });
  }
  baseDir = await train(ADAPT, 'base', folders['source'], { peft: 'full' }, { epochs: 12 });
  const vocabulary = path.join(baseDir, 'vocab.json');
  for (const a of ACCENTS.slice(0, 2)) {
    adapterDirs[a.accent] = await train(
      ADAPT,
      a.accent.replace(' ', '-'),
      folders[a.accent] as string,
      { data: { options: { vocabulary } }, model: { base: baseDir } },
      { epochs: 4 },
    );
  }
  // The accent-ID router: every accent's clips in one Common Voice folder, distinct speakers.
  const mixed = path.join(tmp, 'mixed');
  const tables: string[] = [];
  for (const [k, a] of [{ accent: 'England English', factor: 1, seed: 9 }, ...ACCENTS].entries()) {
    await writeToneLocale(mixed, {
      ...a,
      seed: a.seed + 10,
      counts: { [`part${k}`]: 8 },
      offset: 1000 * k,
      speakerPrefix: `s${k}-`,
    });
    tables.push(await fs.readFile(path.join(mixed, `part${k}.tsv`), 'utf8'));
  }
  const [header] = (tables[0] as string).split('\n');
  const rows = tables.flatMap((t) => t.trim().split('\n').slice(1));
  await fs.writeFile(path.join(mixed, 'train.tsv'), `${[header, ...rows].join('\n')}\n`);
  routerDir = await train(
    'speech/accent-id',
    'router',
    path.join(mixed, 'train.tsv'),
    { peft: 'full' },
    { epochs: 3 },
  );
}, 120_000);

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** Dev clips of every accent, interleaved so neighbours in the batch differ in accent. */
async function mixedClips(): Promise<{ path: string; accent: string }[]> {
  const clips: { path: string; accent: string }[] = [];
  for (let i = 0; i < 4; i++) {
    for (const a of ACCENTS) {
      clips.push({
        path: path.join(folders[a.accent] as string, 'clips', `common_voice_en_${100 + i}.wav`),
        accent: a.accent,
      });
    }
  }
  return clips;
}

/** Each clip alone through one run, as `peftkit predict --adapter <dir> <clip>` does. */
async function alone(dir: string, clips: readonly string[]): Promise<string[]> {
  const run = await loadRun(host, dir);
  try {
    const out: string[] = [];
    for (const c of clips) {
      const [p] = await predictRun(run, [c]);
      out.push(String(p?.value));
    }
    return out;
  } finally {
    run.model.dispose();
  }
}

describe('loadAccentAdapters', () => {
  it('routes a mixed batch per clip: each transcript equals its own adapter alone; no adapter = base', async () => {
    const clips = await mixedClips();
    const asr = await loadAccentAdapters(host, { adapters: adapterDirs });
    try {
      expect(asr.accents).toEqual(['Scottish English', 'Irish English']);
      const first = await asr.transcribe(clips, { batchSize: 12 });
      const before = tf.memory().numTensors;
      const routed = await asr.transcribe(clips, { batchSize: 12 });
      expect(tf.memory().numTensors).toBe(before);
      expect(routed.map((r) => r.transcript)).toEqual(first.map((r) => r.transcript));

      for (const a of ACCENTS) {
        const mine = clips.flatMap((c, i) => (c.accent === a.accent ? [i] : []));
        const dir = adapterDirs[a.accent] ?? baseDir;
        const expected = await alone(
          dir,
          mine.map((i) => clips[i]?.path as string),
        );
        expect(mine.map((i) => routed[i]?.transcript)).toEqual(expected);
        for (const i of mine) {
          expect(routed[i]?.adapter).toBe(a.accent in adapterDirs ? a.accent : null);
          expect(routed[i]?.routed).toBe(false);
        }
      }
      // The check has teeth: the two adapters (and the base) do not transcribe everything alike.
      const sample = clips.map((c) => c.path);
      const [s, i, b] = await Promise.all([
        alone(adapterDirs['Scottish English'] as string, sample),
        alone(adapterDirs['Irish English'] as string, sample),
        alone(baseDir, sample),
      ]);
      expect(s).not.toEqual(i);
      expect(s).not.toEqual(b);
      console.log(`accent adapters: routed ${JSON.stringify(routed.map((r) => r.transcript))}`);
    } finally {
      asr.dispose();
    }
  }, 60_000);

  it('routes clips without an accent by the accent-ID run, then each through the predicted accent adapter', async () => {
    const clips = await mixedClips();
    const asr = await loadAccentAdapters(host, { adapters: adapterDirs, router: routerDir });
    try {
      // Half the clips keep their given accent; the router decides the rest.
      const input = clips.map((c, i) => (i % 2 === 0 ? { path: c.path } : c));
      const out = await asr.transcribe(input, { batchSize: 5 });
      const router = await loadRun(host, routerDir);
      let correct = 0;
      try {
        for (const [i, c] of input.entries()) {
          const r = out[i];
          if ('accent' in c) {
            expect(r?.accent).toBe(c.accent);
            expect(r?.routed).toBe(false);
            continue;
          }
          const [p] = await predictRun(router, [c.path]);
          expect(r?.accent).toBe(p?.label);
          expect(r?.routed).toBe(true);
          if (r?.accent === clips[i]?.accent) correct++;
        }
      } finally {
        router.model.dispose();
      }
      for (const [i, r] of out.entries()) {
        const dir = r.adapter === null ? baseDir : (adapterDirs[r.adapter] as string);
        expect(r.adapter === null ? !(r.accent in adapterDirs) : r.adapter === r.accent).toBe(true);
        expect([r.transcript]).toEqual(await alone(dir, [clips[i]?.path as string]));
      }
      console.log(`accent router: ${correct}/${input.length / 2} routed clips got their true accent`);
    } finally {
      asr.dispose();
    }
  }, 60_000);

  it("errors on an accent without an adapter with unknownAccent: 'error', and on a clip without accent or router", async () => {
    const clips = await mixedClips();
    const asr = await loadAccentAdapters(host, { adapters: adapterDirs, unknownAccent: 'error' });
    try {
      await expect(asr.transcribe(clips)).rejects.toThrow(/Welsh English/);
      await expect(asr.transcribe(clips)).rejects.toBeInstanceOf(UserError);
      await expect(asr.transcribe([{ path: clips[0]?.path as string }])).rejects.toThrow(
        /no accent-ID router/,
      );
    } finally {
      asr.dispose();
    }
  });

  it('refuses a full run as an accent adapter', async () => {
    await expect(loadAccentAdapters(host, { adapters: { x: baseDir } })).rejects.toThrow(
      /full run; an adapter run is needed/,
    );
  });
});
