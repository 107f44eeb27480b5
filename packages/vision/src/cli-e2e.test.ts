/**
 * Issue 7's acceptance, end to end through the real `peftkit` binary in a child process:
 * `train --preset vision/medical-imaging --data <npz>` reports AUROC and sensitivity/specificity
 * in `summary.json`, and `predict --adapter <dir> image.png` prints class probabilities.
 *
 * Image uploads to `peftkit serve` (issue 17) on the same run, served by name: images sent as
 * multipart file parts and as base64 in JSON, each answer equal to `peftkit predict` on the same
 * file; bad uploads are 4xx naming the part and the server's tensor count stays flat.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The server test helper of core (tests only; not part of core's public API).
import { ServeProcess } from '../../core/src/serve/testing/serve-process.js';
import {
  expectSamePredictions,
  type ServedPrediction,
} from '../../core/src/serve/testing/served-predictions.js';
import { VISION_PACKAGE, visionCli, writeTinyScanRun } from './testing/tiny-scan-run.js';

/** The CLI with only this plugin loaded; rejects with its stderr on a non-zero exit. */
const cli = visionCli({ PEFTKIT_BACKEND: 'cpu' });
const MAX_FILE = 6000;
const MAX_UPLOAD = 9000;

let dir: string;
/** The run, in a folder of its own: `serve --adapters` serves every run in it. */
let out: string;
let train: { stdout: string; stderr: string };
let png: string;
let jpg: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-vision-cli-'));
  // 48 training scans; a tiny ViT keeps the run to seconds, everything else is the preset's.
  const run = await writeTinyScanRun(dir, 5, 48);
  out = path.join(dir, 'adapters', 'scanner');
  train = await cli.ok(run.trainArgs(6, out));
  png = await run.writeImage(0, path.join(dir, 'scan.png'));
  jpg = await run.writeImage(1, path.join(dir, 'scan.jpg'), 'jpeg');
}, 240_000);
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('peftkit CLI with the vision plugin', () => {
  it('trains vision/medical-imaging on a MedMNIST .npz and predicts a PNG', async () => {
    const result = JSON.parse(train.stdout) as { outputDir: string; kind: string };
    expect(result).toMatchObject({ outputDir: out, kind: 'adapter' });
    // Without --eval-data the archive's own val split is the eval data.
    expect(train.stderr).toContain("split 'val'");

    // The preset's imbalance handling: class-balanced sampling of the training examples.
    const state = JSON.parse(
      await fs.readFile(path.join(out, 'checkpoints/last/trainer_state.json'), 'utf8'),
    ) as { config: { train: Record<string, unknown> } };
    expect(state.config.train['sampler']).toBe('class-balanced');
    const summary = JSON.parse(await fs.readFile(path.join(out, 'summary.json'), 'utf8')) as {
      finalMetrics: Record<string, number>;
    };
    for (const key of ['auroc', 'best_threshold.sensitivity', 'best_threshold.specificity', 'accuracy']) {
      expect(Number.isFinite(summary.finalMetrics[key]), key).toBe(true);
      expect(summary.finalMetrics[key]).toBeGreaterThanOrEqual(0);
      expect(summary.finalMetrics[key]).toBeLessThanOrEqual(1);
    }

    // The text and --json predictions start together: most of each is process start-up.
    const [text, json] = await Promise.all([
      cli.ok(['predict', '--adapter', out, png]),
      cli.ok(['predict', '--adapter', out, png, '--json']),
    ]);
    // Text: "<input>\t<label>\t(<label> <p>, <label> <p>)", probabilities to 3 decimals.
    const line = text.stdout.trim();
    const [input, label, probs] = line.split('\t');
    expect(input).toBe(png);
    expect(['0', '1']).toContain(label);
    const pairs = [...(probs ?? '').matchAll(/([^\s(,]+) (\d\.\d{3})/g)].map(
      (m) => [m[1], Number(m[2])] as const,
    );
    expect(pairs.map(([l]) => l).sort()).toEqual(['0', '1']);
    expect(Math.abs(pairs.reduce((s, [, p]) => s + p, 0) - 1)).toBeLessThanOrEqual(0.002);

    const parsed = JSON.parse(json.stdout) as {
      adapter: string;
      predictions: ServedPrediction<string>[];
    };
    expect(parsed.adapter).toBe(out);
    expect(parsed.predictions).toHaveLength(1);
    const [p] = parsed.predictions;
    expect(p?.input).toBe(png);
    expect(Object.keys(p?.probabilities ?? {}).sort()).toEqual(['0', '1']);
    expect(Object.values(p?.probabilities ?? {}).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(p?.label).toBe(label);
  });
});

let server: ServeProcess;
let reference: ServedPrediction[];

describe('peftkit serve: image uploads', () => {
  beforeAll(async () => {
    // On the wasm backend, reference answers and server alike.
    const wasm = visionCli({ PEFTKIT_BACKEND: 'wasm' });
    [reference, server] = await Promise.all([
      wasm
        .json(['predict', '--json', '--adapter', out, png, jpg])
        .then((r) => r['predictions'] as ServedPrediction[]),
      ServeProcess.start({
        globalArgs: ['--plugin', VISION_PACKAGE, '--no-discover'],
        env: { PEFTKIT_BACKEND: 'wasm' },
        args: [
          '--adapters',
          path.dirname(out),
          '--max-file-bytes',
          String(MAX_FILE),
          '--max-upload-bytes',
          String(MAX_UPLOAD),
        ],
      }),
    ]);
  }, 240_000);

  afterAll(async () => {
    if (server) expect(await server.stop()).toBe(0);
  });

  const file = async (p: string, type: string, name = path.basename(p)) =>
    new File([await fs.readFile(p)], name, { type });

  it('multipart file parts (declared and sniffed types) answer as peftkit predict does', async () => {
    const form = new FormData();
    form.append('adapter', 'scanner');
    form.append('file', await file(png, 'image/png'));
    // application/octet-stream: the type is read from the bytes (JPEG).
    form.append('file', await file(jpg, 'application/octet-stream'));
    const r = await server.call('POST', '/v1/predict', form);
    expect(r.status, r.text).toBe(200);
    const preds = r.json['predictions'] as ServedPrediction[];
    expectSamePredictions(preds, reference);
    const pngBytes = (await fs.stat(png)).size;
    expect(preds[0]?.input).toEqual({ name: 'scan.png', mediaType: 'image/png', bytes: pngBytes });
    expect(preds[1]?.input).toMatchObject({ name: 'scan.jpg', mediaType: 'image/jpeg' });
    expect(preds.map((p) => p.adapter)).toEqual(['scanner', 'scanner']);
  });

  it('base64 JSON inputs and data: URLs answer as peftkit predict does', async () => {
    const b64 = async (p: string) => (await fs.readFile(p)).toString('base64');
    const r = await server.call('POST', '/v1/predict', {
      adapters: ['scanner', 'scanner'],
      inputs: [
        { base64: await b64(png), mediaType: 'image/png' },
        `data:image/jpeg;base64,${await b64(jpg)}`,
      ],
    });
    expect(r.status, r.text).toBe(200);
    expectSamePredictions(r.json['predictions'] as ServedPrediction[], reference);
    // Without mediaType the type is read from the bytes.
    const sniffed = await server.call('POST', '/v1/predict', {
      adapter: 'scanner',
      inputs: [{ base64: await b64(jpg), name: 'x' }],
    });
    expect(sniffed.status, sniffed.text).toBe(200);
    expectSamePredictions(sniffed.json['predictions'] as ServedPrediction[], [
      reference[1] as ServedPrediction,
    ]);
  });

  it('refuses bad uploads with a 4xx naming the part, and leaks no tensors', async () => {
    const good = new FormData();
    good.append('adapter', 'scanner');
    good.append('file', await file(png, 'image/png'));
    expect((await server.call('POST', '/v1/predict', good)).status).toBe(200);
    const tensors = await server.metric('peftkit_tensors');

    const send = async (parts: [string, Blob | string, string?][]) => {
      const form = new FormData();
      for (const [k, v, n] of parts) {
        if (typeof v === 'string') form.append(k, v);
        else form.append(k, v, n);
      }
      return server.call('POST', '/v1/predict', form);
    };
    const bytes = await fs.readFile(png);
    // A PNG signature then garbage: sharp's message, naming the part.
    const corrupt = await send([
      ['adapter', 'scanner'],
      ['file', new Blob([bytes], { type: 'image/png' }), 'ok.png'],
      ['file', new Blob([bytes.subarray(0, 8), Buffer.alloc(200, 7)], { type: 'image/png' }), 'bad.png'],
    ]);
    expect(corrupt.status).toBe(400);
    expect(corrupt.json['error']).toMatch(/^file 'bad\.png' \(part 3\): cannot decode image bad\.png/);

    // A WAV to an image adapter: declared, and read from the bytes.
    const wav = Buffer.concat([Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt '), Buffer.alloc(40)]);
    const declared = await send([
      ['adapter', 'scanner'],
      ['file', new Blob([wav], { type: 'audio/wav' }), 'tone.wav'],
    ]);
    expect([declared.status, declared.json['error']]).toEqual([
      415,
      "file 'tone.wav' (part 2): media type audio/wav is not one preprocessor 'vision/image' takes (image/png, image/jpeg, image/webp, image/tiff, application/dicom)",
    ]);
    const sniffed = await send([
      ['adapter', 'scanner'],
      ['file', new Blob([wav], { type: 'application/octet-stream' }), 'blob'],
    ]);
    expect(sniffed.status).toBe(415);
    expect(sniffed.json['error']).toMatch(
      /^file 'blob' \(part 2\): media type audio\/\S+ \(read from the bytes\) is not one/,
    );

    // Size limits: one file over --max-file-bytes, and files together over --max-upload-bytes.
    // Random pixels do not compress: a PNG larger than the per-file limit.
    let seed = 7;
    const random = Uint8Array.from({ length: 80 * 80 }, () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed >> 16;
    });
    const noise = await sharp(random, { raw: { width: 80, height: 80, channels: 1 } })
      .png()
      .toBuffer();
    expect(noise.length).toBeGreaterThan(MAX_FILE);
    const big = await send([
      ['adapter', 'scanner'],
      ['file', new Blob([noise], { type: 'image/png' }), 'big.png'],
    ]);
    expect([big.status, big.json['error']]).toEqual([
      413,
      `file 'big.png' (part 2): over the ${MAX_FILE}-byte limit per file (--max-file-bytes)`,
    ]);
    const half = noise.subarray(0, MAX_FILE - 100);
    const total = await send([
      ['adapter', 'scanner'],
      ['file', new Blob([half], { type: 'image/png' }), 'a.png'],
      ['file', new Blob([half], { type: 'image/png' }), 'b.png'],
    ]);
    expect(total.status).toBe(413);
    expect(total.json['error']).toMatch(/^file 'b\.png' \(part 3\): .*--max-upload-bytes/);

    // Routing and body mistakes.
    const noAdapter = await send([['file', new Blob([bytes], { type: 'image/png' }), 'x.png']]);
    expect([noAdapter.status, noAdapter.json['error']]).toEqual([
      400,
      'multipart body: missing field adapter (or one adapters field per file)',
    ]);
    const typo = await send([
      ['adpater', 'scanner'],
      ['file', new Blob([bytes], { type: 'image/png' }), 'x.png'],
    ]);
    expect(typo.status).toBe(400);
    expect(typo.json['error']).toMatch(/^multipart field 'adpater' \(part 1\): unknown/);
    const badB64 = await server.call('POST', '/v1/predict', {
      adapter: 'scanner',
      inputs: [{ base64: 'iVBOR*w0K', mediaType: 'image/png' }],
    });
    expect([badB64.status, badB64.json['error']]).toEqual([
      400,
      'inputs[0]: invalid base64 (expected A-Z a-z 0-9 + / or - _, with optional = padding)',
    ]);
    const bigB64 = await server.call('POST', '/v1/predict', {
      adapter: 'scanner',
      inputs: ['1', { base64: noise.toString('base64'), mediaType: 'image/png' }],
    });
    expect(bigB64.status).toBe(413);
    expect(bigB64.json['error']).toMatch(/^inputs\[1\]: \d+ bytes, over the 6000-byte limit per file/);

    expect((await server.call('POST', '/v1/predict', good)).status).toBe(200);
    expect(await server.metric('peftkit_tensors')).toBe(tensors);
  });

  it('documents both request bodies in /openapi.json', async () => {
    const doc = (await server.call('GET', '/openapi.json')).json as {
      paths: Record<
        string,
        { post: { requestBody: { content: Record<string, unknown> }; responses: Record<string, unknown> } }
      >;
    };
    const predict = doc.paths['/v1/predict']?.post;
    expect(Object.keys(predict?.requestBody.content ?? {}).sort()).toEqual([
      'application/json',
      'multipart/form-data',
    ]);
    expect(Object.keys(predict?.responses ?? {})).toEqual(expect.arrayContaining(['413', '415']));
  });
});
