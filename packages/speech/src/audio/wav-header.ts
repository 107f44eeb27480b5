import { AudioError } from './audio-error.js';
import { ByteView } from './byte-view.js';

/** WAV format codes `decodeWav` reads (after resolving WAVE_FORMAT_EXTENSIBLE's sub-format). */
export const WAV_CODECS: Readonly<Record<number, string>> = {
  1: 'PCM',
  3: 'IEEE float',
  6: 'A-law',
  7: 'mu-law',
};

const KNOWN_UNSUPPORTED: Readonly<Record<number, string>> = {
  2: 'MS ADPCM',
  17: 'IMA ADPCM',
  49: 'GSM 6.10',
  80: 'MPEG',
  85: 'MPEG layer 3',
  255: 'AAC',
  5648: 'AAC (ADTS)',
};

/** The parts of a WAV header decoding and duration checks need. */
export interface WavHeader {
  readonly littleEndian: boolean;
  /** Format code after resolving WAVE_FORMAT_EXTENSIBLE. */
  readonly codec: number;
  readonly channels: number;
  readonly sampleRate: number;
  readonly bitsPerSample: number;
  readonly blockAlign: number;
  /** Byte offset of the sample data. */
  readonly dataOffset: number;
  /** Bytes of sample data (whole frames/blocks). */
  readonly dataBytes: number;
  /** Sample frames per channel. */
  readonly frames: number;
}

/**
 * Walks the RIFF chunks of a WAV file (`bytes` may be only the head of a file of `fileSize`
 * bytes) and validates the `fmt ` and `data` chunks: supported codec, sane channel count, rate and
 * frame size, a data chunk that fits in the file. Returns undefined when `bytes` is a prefix that
 * ends before both chunks were seen, so the caller can read more.
 */
export function parseWavHeader(
  bytes: Uint8Array,
  name: string,
  fileSize = bytes.length,
): WavHeader | undefined {
  const v = new ByteView(bytes);
  const bad = (detail: string) => new AudioError(name, 'corrupt', `corrupt WAV: ${detail}`);
  const le = v.ascii(0, 4) === 'RIFF';
  let fmt: Omit<WavHeader, 'dataOffset' | 'dataBytes' | 'frames'> | undefined;
  let data: { offset: number; declared: number } | undefined;
  let at = 12;
  while (!(fmt && data)) {
    if (at + 8 > fileSize) break;
    if (!v.has(at, 8)) return undefined;
    const id = v.ascii(at, 4);
    const size = v.u32(at + 4, le);
    if (id === 'fmt ') {
      if (size < 16) throw bad(`'fmt ' chunk of ${size} bytes (at least 16 expected)`);
      if (!v.has(at + 8, Math.min(size, 40))) {
        if (at + 8 + size > fileSize)
          throw new AudioError(name, 'truncated', 'truncated WAV: the file ends inside its header');
        return undefined;
      }
      fmt = readFmt(v, at + 8, size, le, name);
    } else if (id === 'data') {
      data = { offset: at + 8, declared: size };
    }
    // Chunks are padded to even sizes; a data chunk of unknown length (0xFFFFFFFF) is the last.
    if (size === 0xffffffff) break;
    at += 8 + size + (size % 2);
  }
  if (!fmt) throw bad(data ? "no 'fmt ' chunk before the end of the file" : "no 'fmt ' chunk");
  if (!data) throw bad("no 'data' chunk");
  const available = fileSize - data.offset;
  // Streaming writers that cannot seek back leave 0xFFFFFFFF: the data runs to the end of the file.
  const declared = data.declared === 0xffffffff ? available - (available % fmt.blockAlign) : data.declared;
  if (declared > available) {
    throw new AudioError(
      name,
      'truncated',
      `truncated WAV: the data chunk declares ${declared} bytes, the file holds ${Math.max(0, available)}`,
    );
  }
  if (declared % fmt.blockAlign !== 0) {
    throw bad(`data chunk of ${declared} bytes is not a whole number of ${fmt.blockAlign}-byte frames`);
  }
  return { ...fmt, dataOffset: data.offset, dataBytes: declared, frames: declared / fmt.blockAlign };
}

function readFmt(v: ByteView, at: number, size: number, le: boolean, name: string) {
  const bad = (detail: string) => new AudioError(name, 'corrupt', `corrupt WAV: ${detail}`);
  let codec = v.u16(at, le);
  const channels = v.u16(at + 2, le);
  const sampleRate = v.u32(at + 4, le);
  const blockAlign = v.u16(at + 12, le);
  const bitsPerSample = v.u16(at + 14, le);
  if (codec === 0xfffe) {
    if (size < 40) throw bad(`WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk of ${size} bytes (40 expected)`);
    // The sub-format GUID starts with the plain format code.
    codec = v.u16(at + 24, le);
  }
  if (!(codec in WAV_CODECS)) {
    const known = KNOWN_UNSUPPORTED[codec];
    throw new AudioError(
      name,
      'unsupported',
      `unsupported WAV encoding 0x${codec.toString(16).padStart(4, '0')}${known ? ` (${known})` : ''}; ` +
        'supported: PCM 8-32 bit, IEEE float 32/64, A-law, mu-law',
    );
  }
  if (channels < 1 || channels > 64) throw bad(`${channels} channels`);
  if (sampleRate < 1000 || sampleRate > 768_000) throw bad(`sample rate ${sampleRate} Hz`);
  const expectBits = codec === 0x0003 ? [32, 64] : codec === 0x0006 || codec === 0x0007 ? [8] : undefined;
  if (expectBits ? !expectBits.includes(bitsPerSample) : bitsPerSample < 8 || bitsPerSample > 32) {
    throw new AudioError(
      name,
      'unsupported',
      `unsupported WAV: ${WAV_CODECS[codec]} with ${bitsPerSample} bits per sample`,
    );
  }
  if (blockAlign !== channels * Math.ceil(bitsPerSample / 8)) {
    throw bad(`frame size ${blockAlign} for ${channels} channels of ${bitsPerSample} bits`);
  }
  return { littleEndian: le, codec, channels, sampleRate, bitsPerSample, blockAlign };
}
