import wavefile from 'wavefile';

/** Bit depths `encodeWav` writes: PCM, IEEE float, mu-law (`8m`) and A-law (`8a`). */
export type WavDepth = '8' | '16' | '24' | '32' | '32f' | '64' | '8m' | '8a';

/** A sine of `amplitude` at `hz`, `seconds` long. */
export function tone(hz: number, rate: number, seconds: number, amplitude = 0.5): Float32Array {
  return Float32Array.from(
    { length: Math.round(rate * seconds) },
    (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / rate),
  );
}

/**
 * Encodes float channels in [-1, 1] as a WAV file with wavefile (test fixtures are generated, not
 * committed). Integer depths round to the nearest code; `8m`/`8a` compand 16-bit PCM.
 */
export function encodeWav(
  channels: readonly Float32Array[],
  rate: number,
  depth: WavDepth,
  options: { bigEndian?: boolean } = {},
): Uint8Array {
  const wav = new wavefile.WaveFile();
  const pcmDepth = depth === '8m' || depth === '8a' ? '16' : depth;
  const samples = channels.map((ch) => Array.from(ch, (v) => toCode(v, pcmDepth)));
  wav.fromScratch(channels.length, rate, pcmDepth, samples.length === 1 ? (samples[0] as number[]) : samples);
  if (depth === '8m') wav.toMuLaw();
  if (depth === '8a') wav.toALaw();
  if (options.bigEndian) wav.toRIFX();
  return wav.toBuffer();
}

function toCode(v: number, depth: string): number {
  if (depth === '32f' || depth === '64') return v;
  const bits = Number(depth);
  if (bits === 8) return Math.max(0, Math.min(255, Math.round(v * 128 + 128)));
  const full = 2 ** (bits - 1);
  return Math.max(-full, Math.min(full - 1, Math.round(v * full)));
}

/**
 * A mono 32-bit float WAV written as WAVE_FORMAT_EXTENSIBLE (format 0xFFFE, sub-format IEEE
 * float), optionally with extra chunks before `data`.
 */
export function extensibleFloatWav(
  samples: Float32Array,
  rate: number,
  before: Uint8Array[] = [],
): Uint8Array {
  const extra = before.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(12 + 48 + extra + 8 + samples.length * 4);
  const v = new DataView(out.buffer);
  const ascii = (at: number, s: string) => {
    for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  v.setUint32(4, out.length - 8, true);
  ascii(8, 'WAVEfmt ');
  v.setUint32(16, 40, true);
  v.setUint16(20, 0xfffe, true);
  v.setUint16(22, 1, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, rate * 4, true);
  v.setUint16(32, 4, true);
  v.setUint16(34, 32, true);
  v.setUint16(36, 22, true);
  v.setUint16(38, 32, true);
  v.setUint32(40, 4, true);
  // KSDATAFORMAT_SUBTYPE_IEEE_FLOAT: 00000003-0000-0010-8000-00aa00389b71
  out.set([3, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71], 44);
  let at = 60;
  for (const c of before) {
    out.set(c, at);
    at += c.length;
  }
  ascii(at, 'data');
  v.setUint32(at + 4, samples.length * 4, true);
  for (let i = 0; i < samples.length; i++) v.setFloat32(at + 8 + 4 * i, samples[i] as number, true);
  return out;
}

/** A RIFF chunk of `size` zero bytes (padded to even length) with id `id`. */
export function riffChunk(id: string, size: number): Uint8Array {
  const out = new Uint8Array(8 + size + (size % 2));
  for (let i = 0; i < 4; i++) out[i] = id.charCodeAt(i);
  new DataView(out.buffer).setUint32(4, size, true);
  return out;
}
