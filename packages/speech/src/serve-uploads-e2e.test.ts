/**
 * WAV uploads to `peftkit serve` (issue 17), through the real binary: a tiny
 * speech/keyword-spotting run served by name, clips sent as multipart file parts and as base64
 * in JSON, each answer equal to `peftkit predict` on the same file; a truncated WAV, an image and
 * an oversize part are 4xx naming the part, and the server's tensor count stays flat.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnedCli } from '../../core/src/cli/testing/spawned-cli.js';
// The server test helper of core (tests only; not part of core's public API).
import { ServeProcess } from '../../core/src/serve/testing/serve-process.js';
import { encodeWav } from './audio/testing/index.js';
import { speakTones } from './data/testing/index.js';

const { json: peftkitJson } = spawnedCli();
const RATE = 16_000;
const MAX_FILE = 40_000;
const KEYWORDS: Readonly<Record<string, string>> = { yes: 'a', no: 'c' };
const PER_KEYWORD = 6;
const TINY = [
  '--set',
  'model.config={num_mel_bins: 40, d_model: 16, encoder_layers: 1, encoder_attention_heads: 2, encoder_ffn_dim: 32, dropout: 0}',
  '--set',
  'training.batchSize=4',
];

interface Pred {
  input: unknown;
  adapter?: string;
  label: string;
  probabilities: Record<string, number>;
}

let tmp: string;
let server: ServeProcess;
let clips: string[];
let reference: Pred[];

/** Speech Commands layout: `<word>/<hash>_nohash_0.wav`, the last clip of each word in the validation list. */
async function writeSpeechCommands(root: string): Promise<string[]> {
  const validation: string[] = [];
  const out: string[] = [];
  for (const [word, text] of Object.entries(KEYWORDS)) {
    await fs.mkdir(path.join(root, word), { recursive: true });
    for (let i = 0; i < PER_KEYWORD; i++) {
      const name = `${(0x2000000a + i).toString(16)}_nohash_0.wav`;
      const samples = speakTones(text, RATE, 1 + (i % 3) * 0.02);
      await fs.writeFile(path.join(root, word, name), encodeWav([samples], RATE, '16'));
      if (i === PER_KEYWORD - 1) {
        validation.push(`${word}/${name}`);
        out.push(path.join(root, word, name));
      }
    }
  }
  await fs.writeFile(path.join(root, 'validation_list.txt'), `${validation.join('\n')}\n`);
  await fs.writeFile(path.join(root, 'testing_list.txt'), '');
  return out;
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-speech-serve-'));
  const data = path.join(tmp, 'speech_commands');
  clips = await writeSpeechCommands(data);
  const adapters = path.join(tmp, 'adapters');
  const out = path.join(adapters, 'kws');
  await peftkitJson([
    'train',
    '--json',
    '--preset',
    'speech/keyword-spotting',
    '--data',
    data,
    '--out',
    out,
    '--max-steps',
    '2',
    '--seed',
    '1',
    ...TINY,
  ]);
  reference = (await peftkitJson(['predict', '--json', '--adapter', out, ...clips]))['predictions'] as Pred[];
  server = await ServeProcess.start({
    args: ['--adapters', adapters, '--max-file-bytes', String(MAX_FILE)],
  });
}, 240_000);

afterAll(async () => {
  if (server) expect(await server.stop()).toBe(0);
  await fs.rm(tmp, { recursive: true, force: true });
});

function expectSame(got: Pred[], want: Pred[]) {
  expect(got.map((p) => p.label)).toEqual(want.map((p) => p.label));
  got.forEach((p, i) => {
    for (const [label, prob] of Object.entries(want[i]?.probabilities ?? {})) {
      expect(p.probabilities[label]).toBeCloseTo(prob, 5);
    }
  });
}

describe('peftkit serve: WAV uploads', () => {
  it('multipart WAV parts and base64 WAVs answer as peftkit predict does', async () => {
    const [a, b] = (await Promise.all(clips.map((c) => fs.readFile(c)))) as [Buffer, Buffer];
    const form = new FormData();
    form.append('adapter', 'kws');
    form.append('clip', new File([a], 'a.wav', { type: 'audio/wav' }));
    form.append('clip', new File([b], 'b.wav', { type: 'application/octet-stream' }));
    const r = await server.call('POST', '/v1/predict', form);
    expect(r.status, r.text).toBe(200);
    const preds = r.json['predictions'] as Pred[];
    expectSame(preds, reference);
    expect(preds[1]?.input).toEqual({ name: 'b.wav', mediaType: 'audio/wav', bytes: b.length });

    const json = await server.call('POST', '/v1/predict', {
      adapter: 'kws',
      inputs: [
        { base64: a.toString('base64'), mediaType: 'audio/x-wav' },
        `data:audio/wav;base64,${b.toString('base64')}`,
      ],
    });
    expect(json.status, json.text).toBe(200);
    expectSame(json.json['predictions'] as Pred[], reference);
  });

  it('refuses a truncated WAV, an image and an oversize part naming the part; no tensors leak', async () => {
    const tensors = await server.metric('peftkit_tensors');
    const wav = await fs.readFile(clips[0] as string);
    const send = async (blob: Blob, name: string) => {
      const form = new FormData();
      form.append('adapter', 'kws');
      form.append('clip', blob, name);
      return server.call('POST', '/v1/predict', form);
    };
    // The header promises more samples than the file holds: the WAV decoder's message.
    const cut = await send(new Blob([wav.subarray(0, 30)], { type: 'audio/wav' }), 'cut.wav');
    expect(cut.status).toBe(400);
    expect(cut.json['error']).toMatch(/^file 'cut\.wav' \(part 2\): .*cut\.wav/);
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108000000003a7e9b55', 'hex');
    const image = await send(new Blob([png], { type: 'application/octet-stream' }), 'photo');
    expect([image.status, image.json['error']]).toEqual([
      415,
      "file 'photo' (part 2): media type image/png (read from the bytes) is not one preprocessor 'speech/audio' takes (audio/wav, audio/x-wav, audio/wave, audio/vnd.wave, audio/mpeg, audio/mp3, audio/flac, audio/x-flac, audio/ogg, audio/opus)",
    ]);
    const long = encodeWav([new Float32Array(RATE * 2)], RATE, '16');
    expect(long.length).toBeGreaterThan(MAX_FILE);
    const big = await send(new Blob([long], { type: 'audio/wav' }), 'long.wav');
    expect([big.status, big.json['error']]).toEqual([
      413,
      `file 'long.wav' (part 2): over the ${MAX_FILE}-byte limit per file (--max-file-bytes)`,
    ]);
    expect(await server.metric('peftkit_tensors')).toBe(tensors);
  });
});
