import wavefile from 'wavefile';
import { AudioError } from './audio-error.js';
import type { MonoPcm } from './pcm.js';
import type { WavHeader } from './wav-header.js';

/**
 * Decodes the samples of a WAV file whose header `parseWavHeader` validated, with `wavefile`:
 * PCM 8-32 bit, IEEE float 32/64, A-law and mu-law, to floats in [-1, 1] (float files as stored),
 * channels averaged.
 * wavefile gets a rebuilt file holding only the `fmt ` and `data` chunks: its reader trusts the
 * counts in other chunks (`cue `, `smpl`, `LIST`), which a damaged file can set to billions.
 */
export function decodeWav(bytes: Uint8Array, header: WavHeader, name: string): MonoPcm {
  const wav = new wavefile.WaveFile();
  try {
    wav.fromBuffer(minimalWav(bytes, header));
    if (header.codec === 0x0006) wav.fromALaw();
    if (header.codec === 0x0007) wav.fromMuLaw();
  } catch (err) {
    throw new AudioError(name, 'corrupt', `corrupt WAV: ${(err as Error).message}`, { cause: err });
  }
  const interleaved = wav.getSamples(true, Float32Array) as unknown as Float32Array;
  const scale = sampleScale(header);
  const offset = header.codec === 0x0001 && header.bitsPerSample <= 8 ? 128 : 0;
  const { channels, frames } = header;
  const k = scale / channels;
  const samples = new Float32Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += (interleaved[f * channels + c] as number) - offset;
    samples[f] = sum * k;
  }
  return { samples, channels, sampleRate: header.sampleRate };
}

/** Integer samples are left-justified in whole bytes; A-law/mu-law become 16-bit. */
function sampleScale(h: WavHeader): number {
  if (h.codec === 0x0003) return 1;
  const bits = h.codec === 0x0001 ? Math.ceil(h.bitsPerSample / 8) * 8 : 16;
  return 1 / 2 ** (bits - 1);
}

function minimalWav(bytes: Uint8Array, h: WavHeader): Uint8Array {
  const out = new Uint8Array(44 + h.dataBytes);
  const v = new DataView(out.buffer);
  const le = h.littleEndian;
  const ascii = (at: number, s: string) => {
    for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
  };
  ascii(0, le ? 'RIFF' : 'RIFX');
  v.setUint32(4, 36 + h.dataBytes, le);
  ascii(8, 'WAVEfmt ');
  v.setUint32(16, 16, le);
  v.setUint16(20, h.codec, le);
  v.setUint16(22, h.channels, le);
  v.setUint32(24, h.sampleRate, le);
  v.setUint32(28, h.sampleRate * h.blockAlign, le);
  v.setUint16(32, h.blockAlign, le);
  v.setUint16(34, h.bitsPerSample, le);
  ascii(36, 'data');
  v.setUint32(40, h.dataBytes, le);
  out.set(bytes.subarray(h.dataOffset, h.dataOffset + h.dataBytes), 44);
  return out;
}
