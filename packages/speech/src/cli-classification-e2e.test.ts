import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, type ExpectStatic, expect, it } from 'vitest';
import { onlyPlugin, spawnedCli } from '../../core/src/cli/testing/spawned-cli.js';
// The server test helper of core (tests only; not part of core's public API).
import { ServeProcess } from '../../core/src/serve/testing/serve-process.js';
import {
  expectSamePredictions,
  type ServedPrediction,
} from '../../core/src/serve/testing/served-predictions.js';
import { encodeWav } from './audio/testing/index.js';
import { speakTones } from './data/testing/index.js';

/** Only this package's plugin: cli-e2e.test.ts covers finding it by workspace discovery. */
const PLUGIN = onlyPlugin(fileURLToPath(new URL('..', import.meta.url)));
const { json: peftkitJson, run: peftkitRaw } = spawnedCli({ globalArgs: PLUGIN });

/**
 * `speech/keyword-spotting` and `speech/accent-id` through the real `peftkit` binary: train each
 * preset (LoRA on attn.q/attn.v, classifier whole) a few epochs on a tiny encoder, `predict` a WAV
 * and an MP3 (plain and `--json`), and `eval` reproducing the training summary. The "speech" is
 * tone speech (`speakTones`: each letter a pitch), so the data is generated here in milliseconds.
 *
 * WAV uploads to `peftkit serve` (issue 17) on the keyword-spotting run, served by name: clips sent
 * as multipart file parts and as base64 in JSON, each answer equal to `peftkit predict` on the same
 * file; a truncated WAV, an image and an oversize part are 4xx naming the part, and the server's
 * tensor count stays flat.
 */
const MP3 = fileURLToPath(new URL('../test-data/audio/tone-440hz-16k-mono-notag.mp3', import.meta.url));
const RATE = 16_000;
/** The server's --max-file-bytes: above a keyword clip, below two seconds of audio. */
const MAX_FILE = 40_000;

/** A tiny random encoder instead of the presets' d=144 x 4 layers; batches of 4. */
const TINY = [
  '--set',
  'model.config={num_mel_bins: 40, d_model: 32, encoder_layers: 1, encoder_attention_heads: 2, encoder_ffn_dim: 64, dropout: 0}',
  '--set',
  'training.batchSize=4',
  '--set',
  'training.lr=1e-2',
];

/** Keywords as tone sequences: 'yes' is the 440 Hz tone of the MP3 fixture. */
const KEYWORDS: Readonly<Record<string, string>> = { yes: 'a', no: 'c', up: 'bd' };
const PER_KEYWORD = 12;

/**
 * Speech Commands layout: `<word>/<speaker hash>_nohash_0.wav`, the 11th speaker of each word in
 * `validation_list.txt`, the 12th in `testing_list.txt`, one recording in `_background_noise_`
 * (not a class). Speakers differ by a small pitch factor.
 */
async function writeSpeechCommands(root: string): Promise<void> {
  const validation: string[] = [];
  const testing: string[] = [];
  for (const [word, text] of Object.entries(KEYWORDS)) {
    await fs.mkdir(path.join(root, word), { recursive: true });
    for (let i = 0; i < PER_KEYWORD; i++) {
      const name = `${(0x1000000a + i).toString(16)}_nohash_0.wav`;
      const samples = speakTones(text, RATE, 1 + (i % 3) * 0.02);
      await fs.writeFile(path.join(root, word, name), encodeWav([samples], RATE, '16'));
      if (i === PER_KEYWORD - 2) validation.push(`${word}/${name}`);
      if (i === PER_KEYWORD - 1) testing.push(`${word}/${name}`);
    }
  }
  await fs.mkdir(path.join(root, '_background_noise_'), { recursive: true });
  const noise = Float32Array.from({ length: RATE }, (_, i) => 0.1 * Math.sin(i * 0.37) * Math.cos(i * 0.011));
  await fs.writeFile(path.join(root, '_background_noise_', 'hum.wav'), encodeWav([noise], RATE, '16'));
  await fs.writeFile(path.join(root, 'validation_list.txt'), `${validation.join('\n')}\n`);
  await fs.writeFile(path.join(root, 'testing_list.txt'), `${testing.join('\n')}\n`);
}

/** Accents as pitch factors of the same three sentences; four speakers per accent, three clips each. */
const ACCENTS: Readonly<Record<string, number>> = { us: 1, scottish: 1.25, indian: 0.8 };

/** A CSV manifest (`path,sentence,accent,speaker`) with the clips under `wavs/`. */
async function writeAccentManifest(root: string): Promise<string> {
  await fs.mkdir(path.join(root, 'wavs'), { recursive: true });
  const rows = ['path,sentence,accent,speaker'];
  for (const [accent, factor] of Object.entries(ACCENTS)) {
    for (let s = 0; s < 4; s++) {
      for (let k = 0; k < 3; k++) {
        const text = ['abcd', 'dcba', 'acbd'][k] as string;
        const name = `${accent}-${s}-${k}.wav`;
        const samples = speakTones(text, RATE, factor * (1 + s * 0.01));
        await fs.writeFile(path.join(root, 'wavs', name), encodeWav([samples], RATE, '16'));
        rows.push(`wavs/${name},${text},${accent},${accent}-speaker-${s}`);
      }
    }
  }
  const file = path.join(root, 'accents.csv');
  await fs.writeFile(file, `${rows.join('\n')}\n`);
  return file;
}

/**
 * `predict --json` on `clips` gives each the most probable class with a distribution over the
 * labels; with `plain`, the human output prints the same labels (one line per clip). `predicted`:
 * that `predict --json` already started (its answer shared with other tests).
 */
async function checkPredictions(
  expect: ExpectStatic,
  run: string,
  clips: readonly string[],
  labels: readonly string[],
  plain?: 'plain',
  predicted?: Promise<Record<string, unknown>>,
) {
  const [json, text] = await Promise.all([
    predicted ?? peftkitJson(['predict', '--json', '--adapter', run, ...clips]),
    plain ? peftkitRaw(['predict', '--adapter', run, ...clips]) : undefined,
  ]);
  const predictions = json['predictions'] as ServedPrediction<string>[];
  expect(predictions.map((p) => p.input)).toEqual(clips);
  for (const p of predictions) {
    expect(Object.keys(p.probabilities).sort()).toEqual([...labels]);
    const sum = Object.values(p.probabilities).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 5);
    const best = Object.entries(p.probabilities).sort((a, b) => b[1] - a[1])[0]?.[0];
    expect(p.label).toBe(best);
  }
  if (!text) return predictions;
  expect(text.code).toBe(0);
  const lines = text.stdout.trim().split('\n');
  expect(lines).toHaveLength(clips.length);
  lines.forEach((line, i) => {
    const [input, label] = line.split('\t');
    expect(input).toBe(clips[i]);
    expect(label).toBe(predictions[i]?.label);
  });
  return predictions;
}

/** A Speech Commands clip: speaker `i` of `word`. */
const clipOf = (data: string, word: string, i: number) =>
  path.join(data, word, `${(0x1000000a + i).toString(16)}_nohash_0.wav`);

/**
 * What the keyword-spotting run predicts: the testing-list clips of 'yes' and 'no' (the serve
 * tests upload these two) and the MP3.
 */
const kwsClips = (data: string) => [
  clipOf(data, 'yes', PER_KEYWORD - 1),
  clipOf(data, 'no', PER_KEYWORD - 1),
  MP3,
];

/** The speech/keyword-spotting run: Speech Commands data, trained a few epochs on the tiny encoder. */
async function trainKeywordSpotting(tmp: string) {
  const data = path.join(tmp, 'speech_commands');
  await writeSpeechCommands(data);
  // In a folder of its own: `serve --adapters` serves every run in it.
  const out = path.join(tmp, 'adapters', 'kws');
  const trained = await peftkitJson([
    'train',
    '--json',
    '--preset',
    'speech/keyword-spotting',
    '--data',
    data,
    '--out',
    out,
    '--epochs',
    '4',
    '--seed',
    '1',
    ...TINY,
  ]);
  return { data, out, trained };
}

let tmp: string;
/** Trained once, for the keyword-spotting test and the serve tests; started before either. */
let kws: ReturnType<typeof trainKeywordSpotting>;
/** `predict --json` on `kwsClips` with the run: checked by its test, the serve tests' reference. */
let kwsPredicted: Promise<Record<string, unknown>>;
/**
 * `peftkit serve` on the run, started once it is trained, beside the presets' tests (each child
 * process is single-threaded; the machine has more than one core).
 */
let serving: Promise<ServeProcess>;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-speech-cls-'));
  kws = trainKeywordSpotting(tmp);
  kwsPredicted = kws.then(({ data, out }) =>
    peftkitJson(['predict', '--json', '--adapter', out, ...kwsClips(data)]),
  );
  serving = kws.then(({ out }) =>
    ServeProcess.start({
      args: ['--adapters', path.dirname(out), '--max-file-bytes', String(MAX_FILE)],
      globalArgs: PLUGIN,
    }),
  );
  // A failure is reported by the tests that await it.
  for (const p of [kws, kwsPredicted, serving]) p.catch(() => undefined);
});
afterAll(async () => {
  // The serve tests stop it; this is for a run that skipped them or failed before.
  const started = await serving?.catch(() => undefined);
  if (started && started.child.exitCode === null) started.child.kill('SIGKILL');
  await fs.rm(tmp, { recursive: true, force: true });
});

// The two presets run side by side: most of each step is a child process starting up.
describe.concurrent('peftkit CLI: speech classification presets', () => {
  it('speech/keyword-spotting: Speech Commands folder with split lists and _background_noise_; predict WAV and MP3; eval reproduces', async ({
    expect,
  }) => {
    const { data, out, trained } = await kws;
    expect(trained['kind']).toBe('adapter');
    // Sub-folders are the classes, sorted; the noise folder is not one.
    expect(trained['labels']).toEqual(['no', 'up', 'yes']);
    const summary = trained['summary'] as { finalMetrics: Record<string, number>; finalTrainLoss: number };
    // Three balanced classes start at ln 3 = 1.10; the preset's LoRA + classifier learns the tones.
    expect(summary.finalTrainLoss).toBeLessThan(0.8);
    const adapterConfig = JSON.parse(await fs.readFile(path.join(out, 'adapter_config.json'), 'utf8'));
    expect(adapterConfig['peft_type']).toBe('LORA');
    // The utterance head (HF Wav2Vec2ForSequenceClassification names) is trained whole.
    expect(adapterConfig['modules_to_save']).toEqual(['projector', 'classifier']);

    const [, evaluated, tested] = await Promise.all([
      // Two WAVs and the MP3; the JSON answer is shared with the serve tests (started in beforeAll).
      checkPredictions(expect, out, kwsClips(data), ['no', 'up', 'yes'], 'plain', kwsPredicted),
      // Without --split: the validation list, as training scored it.
      peftkitJson(['eval', '--json', '--adapter', out, '--data', data]),
      peftkitJson(['eval', '--json', '--adapter', out, '--data', data, '--split', 'test']),
    ]);
    expect(evaluated['examples']).toBe(3);
    const again = evaluated['metrics'] as Record<string, number>;
    for (const m of ['accuracy', 'macro_f1', 'loss'])
      expect(again[m]).toBeCloseTo(summary.finalMetrics[m] as number, 5);
    expect(tested['split']).toBe('test');
    expect(tested['examples']).toBe(3);
    console.log(
      `keyword spotting: train loss ${summary.finalTrainLoss}, validation accuracy ${again['accuracy']}, test accuracy ${(tested['metrics'] as Record<string, number>)['accuracy']}`,
    );
  }, 300_000);

  it('speech/accent-id: a CSV manifest with accent and speaker columns, speaker-disjoint eval; predict; eval reproduces', async ({
    expect,
  }) => {
    const manifest = await writeAccentManifest(path.join(tmp, 'accents'));
    const out = path.join(tmp, 'accent-id');
    const trained = await peftkitJson([
      'train',
      '--json',
      '--preset',
      'speech/accent-id',
      '--data',
      manifest,
      '--out',
      out,
      '--epochs',
      '2',
      '--seed',
      '1',
      ...TINY,
    ]);
    expect(trained['kind']).toBe('adapter');
    expect(trained['labels']).toEqual(['indian', 'scottish', 'us']);
    const run = JSON.parse(await fs.readFile(path.join(out, 'peftkit-run.json'), 'utf8'));
    // The preset leaves the reader to the data: a CSV is a speech/manifest.
    expect(run['reader']).toBe('speech/manifest');
    expect(run['head']['config']).toMatchObject({ pooling: 'attentive' });
    const summary = trained['summary'] as { finalMetrics: Record<string, number>; finalTrainLoss: number };
    expect(Number.isFinite(summary.finalTrainLoss)).toBe(true);

    const clip = path.join(tmp, 'accents', 'wavs', 'scottish-3-0.wav');
    const [, evaluated] = await Promise.all([
      checkPredictions(expect, out, [clip, MP3], ['indian', 'scottish', 'us']),
      peftkitJson(['eval', '--json', '--adapter', out, '--data', manifest]),
    ]);
    // speakerSplit evalFraction 0.1 of 12 clips per accent: one whole speaker (3 clips) each.
    expect(evaluated['examples']).toBe(9);
    const again = evaluated['metrics'] as Record<string, number>;
    for (const m of ['accuracy', 'macro_f1', 'loss'])
      expect(again[m]).toBeCloseTo(summary.finalMetrics[m] as number, 5);
  }, 300_000);
});

let server: ServeProcess;
let clips: string[];
let reference: ServedPrediction[];

describe('peftkit serve: WAV uploads', () => {
  beforeAll(async () => {
    const { data } = await kws;
    // The testing-list clips of two keywords, and what `peftkit predict` answers for them.
    clips = kwsClips(data).slice(0, 2);
    [reference, server] = await Promise.all([
      kwsPredicted.then((r) => (r['predictions'] as ServedPrediction[]).slice(0, 2)),
      serving,
    ]);
  }, 240_000);

  afterAll(async () => {
    if (server) expect(await server.stop()).toBe(0);
  });

  it('multipart WAV parts and base64 WAVs answer as peftkit predict does', async () => {
    const [a, b] = (await Promise.all(clips.map((c) => fs.readFile(c)))) as [Buffer, Buffer];
    const form = new FormData();
    form.append('adapter', 'kws');
    form.append('clip', new File([a], 'a.wav', { type: 'audio/wav' }));
    form.append('clip', new File([b], 'b.wav', { type: 'application/octet-stream' }));
    const r = await server.call('POST', '/v1/predict', form);
    expect(r.status, r.text).toBe(200);
    const preds = r.json['predictions'] as ServedPrediction[];
    expectSamePredictions(preds, reference);
    expect(preds[1]?.input).toEqual({ name: 'b.wav', mediaType: 'audio/wav', bytes: b.length });

    const json = await server.call('POST', '/v1/predict', {
      adapter: 'kws',
      inputs: [
        { base64: a.toString('base64'), mediaType: 'audio/x-wav' },
        `data:audio/wav;base64,${b.toString('base64')}`,
      ],
    });
    expect(json.status, json.text).toBe(200);
    expectSamePredictions(json.json['predictions'] as ServedPrediction[], reference);
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
