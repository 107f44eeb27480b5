import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToyCli } from '../cli/testing/toy-cli.js';
import { createPeftkit } from '../plugin/peftkit-host.js';
import type { PreprocessorInstance } from '../plugin/preprocessor.js';
import { toyPlugin } from '../plugin/testing/toy-plugin.js';
import { UserError } from '../plugin/user-error.js';
import {
  byteInputFromJson,
  decodeBase64,
  InputStatusError,
  isBase64Input,
  isDataUrl,
  parseByteInput,
  resolveMediaType,
} from './byte-input.js';
import { createServer } from './server.js';

const PNG_HEAD = Uint8Array.from(
  Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108000000003a7e9b55', 'hex'),
);

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('byte inputs', () => {
  it('tells base64 objects and data: URLs from other inputs', () => {
    expect(isBase64Input({ base64: 'AA==' })).toBe(true);
    expect(isBase64Input({ base64: 'AA==', mediaType: 'image/png', name: 'x' })).toBe(true);
    // A robot observation (or any other JSON object) is not file bytes.
    expect(isBase64Input({ base64: 'AA==', 'observation.state': [1] })).toBe(false);
    expect(isBase64Input({ mediaType: 'image/png' })).toBe(false);
    expect(isBase64Input(['base64'])).toBe(false);
    expect(isDataUrl('data:image/png;base64,iVBOR')).toBe(true);
    expect(isDataUrl('data:;base64,AA')).toBe(true);
    expect(isDataUrl('data:audio/wav;name=a.wav;base64,UklG')).toBe(true);
    // Text that merely starts with "data:", and data: URLs without base64, stay text.
    expect(isDataUrl('data: the new results are in')).toBe(false);
    expect(isDataUrl('data:text/plain,hello')).toBe(false);
  });

  it('decodes strict base64 and refuses damaged or oversize strings before decoding', () => {
    const bytes = Buffer.from([0, 1, 2, 250, 251, 252, 253]);
    expect(Buffer.from(decodeBase64(bytes.toString('base64'), 'f', 100))).toEqual(bytes);
    expect(Buffer.from(decodeBase64(bytes.toString('base64url'), 'f', 100))).toEqual(bytes);
    const wrapped = bytes.toString('base64').replace(/(.{4})/g, '$1\n');
    expect(Buffer.from(decodeBase64(wrapped, 'f', 100))).toEqual(bytes);
    expect(() => decodeBase64('AAA*', 'inputs[3]', 100)).toThrow(/^inputs\[3\]: invalid base64/);
    expect(() => decodeBase64('AAAAA', 'f', 100)).toThrow(/invalid base64/);
    expect(() => decodeBase64('AA=', 'f', 100)).toThrow(/invalid base64/);
    expect(() => decodeBase64('', 'f', 100)).toThrow(/empty file/);
    const over = (() => {
      try {
        decodeBase64('A'.repeat(200), 'inputs[0]', 100);
      } catch (err) {
        return err as InputStatusError;
      }
    })();
    expect(over).toBeInstanceOf(InputStatusError);
    expect([over?.statusCode, over?.message]).toEqual([
      413,
      'inputs[0]: 150 bytes, over the 100-byte limit per file (--max-file-bytes)',
    ]);
  });

  it('takes a declared media type as sent (essence), and sniffs octet-stream or none', async () => {
    expect(await resolveMediaType(PNG_HEAD, 'Image/PNG; q=1', 'f')).toEqual({
      mediaType: 'image/png',
      sniffed: false,
    });
    expect(await resolveMediaType(PNG_HEAD, 'application/octet-stream', 'f')).toEqual({
      mediaType: 'image/png',
      sniffed: true,
    });
    expect(await resolveMediaType(PNG_HEAD, undefined, 'f')).toEqual({
      mediaType: 'image/png',
      sniffed: true,
    });
    const unknown = await rejection(
      resolveMediaType(new TextEncoder().encode('hello'), undefined, 'inputs[1]'),
    );
    expect([(unknown as InputStatusError).statusCode, unknown.message]).toEqual([
      415,
      'inputs[1]: cannot tell the media type from the bytes; send it (a Content-Type for the part, mediaType in JSON)',
    ]);
    const url = await byteInputFromJson(
      `data:;base64,${Buffer.from(PNG_HEAD).toString('base64')}`,
      'inputs[0]',
      1000,
    );
    expect([url.mediaType, url.sniffed, url.name, url.bytes.length]).toEqual([
      'image/png',
      true,
      'inputs[0]',
      33,
    ]);
  });

  it('hands bytes to parseBytes only for a listed media type, naming the field otherwise', async () => {
    const seen: unknown[] = [];
    const inst = {
      mediaTypes: ['image/png'],
      parseBytes: (bytes: Uint8Array, mediaType: string, name: string) => {
        if (bytes.length < 10) throw new Error(`cannot decode image ${name}: truncated`);
        seen.push([bytes.length, mediaType, name]);
        return { ok: true };
      },
    } as unknown as PreprocessorInstance;
    const input = { bytes: PNG_HEAD, mediaType: 'image/png', sniffed: false, name: 'x.png' };
    expect(await parseByteInput(inst, 'vision/image', input, 'f')).toEqual({ ok: true });
    expect(seen).toEqual([[33, 'image/png', 'x.png']]);
    const wrong = await rejection(
      parseByteInput(
        inst,
        'vision/image',
        { ...input, mediaType: 'image/gif', sniffed: true },
        "file 'x.gif' (part 1)",
      ),
    );
    expect([(wrong as InputStatusError).statusCode, wrong.message]).toEqual([
      415,
      "file 'x.gif' (part 1): media type image/gif (read from the bytes) is not one preprocessor 'vision/image' takes (image/png)",
    ]);
    const bad = await rejection(
      parseByteInput(inst, 'vision/image', { ...input, bytes: PNG_HEAD.subarray(0, 4) }, 'inputs[2]'),
    );
    expect(bad).toBeInstanceOf(UserError);
    expect(bad).not.toBeInstanceOf(InputStatusError);
    expect(bad.message).toBe('inputs[2]: cannot decode image x.png: truncated');
    const text = await rejection(parseByteInput({} as PreprocessorInstance, 'nlp/text', input, 'inputs[0]'));
    expect([(text as InputStatusError).statusCode, text.message]).toEqual([
      415,
      "inputs[0]: preprocessor 'nlp/text' takes its inputs as text (a string or JSON), not file bytes",
    ]);
  });
});

describe('createServer: bytes for a preprocessor that takes text', () => {
  let tmp: string;
  beforeAll(async () => {
    process.env['PEFTKIT_BACKEND'] = 'wasm';
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-serve-bytes-'));
    const r = await runToyCli([
      'train',
      '--json',
      '--preset',
      'toy/basic',
      '--out',
      path.join(tmp, 'a', 'rows'),
      '--max-steps',
      '2',
    ]);
    if (r.code !== 0) throw new Error(r.stderr);
  });
  afterAll(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('answers 415 for multipart files and base64 inputs, 415 for other bodies, and still serves text', async () => {
    const host = await createPeftkit({ plugins: [toyPlugin] });
    const s = await createServer(host, {
      adaptersDir: path.join(tmp, 'a'),
      batchWindowMs: 0,
      maxBatch: 8,
      maxBodyBytes: 4096,
      adapterBudgetBytes: 1 << 20,
      maxInputs: 4,
      timeoutMs: 10_000,
    });
    const tensors = tf.memory().numTensors;
    try {
      const form = new FormData();
      form.append('adapter', 'rows');
      form.append('file', new File([PNG_HEAD], 'x.png', { type: 'image/png' }));
      const multi = await s.app.inject({ method: 'POST', url: '/v1/predict', payload: form });
      expect([multi.statusCode, multi.json().error]).toEqual([
        415,
        "file 'x.png' (part 2): preprocessor 'toy/identity' takes its inputs as text (a string or JSON), not file bytes",
      ]);
      const json = await s.app.inject({
        method: 'POST',
        url: '/v1/predict',
        payload: { adapter: 'rows', inputs: ['1,2', { base64: Buffer.from(PNG_HEAD).toString('base64') }] },
      });
      expect(json.statusCode).toBe(415);
      expect(json.json().error).toMatch(/^inputs\[1\]: preprocessor '.*' takes its inputs as text/);
      const plain = await s.app.inject({
        method: 'POST',
        url: '/v1/predict',
        headers: { 'content-type': 'text/plain' },
        payload: 'hello',
      });
      expect([plain.statusCode, plain.json().error]).toEqual([
        415,
        'body: send application/json or multipart/form-data',
      ]);
      const broken = await s.app.inject({
        method: 'POST',
        url: '/v1/predict',
        headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
        payload:
          '--xyz\r\nContent-Disposition: form-data; name="adapter"\r\n\r\nrows\r\n--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n\x89PNG',
      });
      expect(broken.statusCode).toBe(400);
      expect(broken.json().error).toMatch(/^multipart body: /);
      const ok = await s.app.inject({
        method: 'POST',
        url: '/v1/predict',
        payload: { adapter: 'rows', inputs: ['1,2'] },
      });
      expect(ok.statusCode).toBe(200);
    } finally {
      await s.close();
    }
    expect(tf.memory().numTensors).toBeLessThanOrEqual(tensors);
  });
});
