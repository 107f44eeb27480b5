import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { encodeWav, tone } from '../../audio/testing/index.js';

const FIXTURES = new URL('../../../test-data/audio/', import.meta.url).pathname;

/** Writes a 16-bit mono WAV tone of `seconds` at `rate` to `file` (folders created). */
export async function writeWavClip(file: string, seconds = 0.1, rate = 16_000, hz = 440): Promise<string> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, encodeWav([tone(hz, rate, seconds)], rate, '16'));
  return file;
}

/** Copies the committed 0.5 s 48 kHz MP3 tone to `file`, as Common Voice ships MP3 clips. */
export async function writeMp3Clip(file: string): Promise<string> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.copyFile(path.join(FIXTURES, 'tone-440hz-48k-mono.mp3'), file);
  return file;
}

/** Writes text to `file` (folders created). */
export async function writeText(file: string, text: string): Promise<string> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, text);
  return file;
}
