import { ByteView } from './byte-view.js';

/** The containers/codecs `decodeAudio` reads. */
export const AUDIO_FORMATS = ['wav', 'mp3', 'flac', 'ogg-vorbis', 'ogg-opus'] as const;
export type AudioFormat = (typeof AUDIO_FORMATS)[number];

/** Names for messages. */
export const FORMAT_NAMES: Readonly<Record<AudioFormat, string>> = {
  wav: 'WAV',
  mp3: 'MP3',
  flac: 'FLAC',
  'ogg-vorbis': 'Ogg Vorbis',
  'ogg-opus': 'Ogg Opus',
};

/** What the first bytes of a file say it is. */
export type SniffResult =
  | {
      readonly kind: 'audio';
      readonly format: AudioFormat /** Where the stream starts (after an ID3v2 tag). */;
      readonly start: number;
    }
  | {
      readonly kind: 'other' /** Human description: 'AAC in MP4', 'an empty file', ... */;
      readonly what: string;
    };

/** Size of an ID3v2 tag at `offset` (header, body and footer), or 0 when there is none. */
export function id3v2Size(v: ByteView, offset = 0): number {
  if (v.ascii(offset, 3) !== 'ID3' || !v.has(offset, 10)) return 0;
  const flags = v.u8(offset + 5);
  let size = 0;
  for (let i = 0; i < 4; i++) {
    const b = v.u8(offset + 6 + i);
    // Syncsafe integer: 7 bits per byte, high bit always clear.
    if (b & 0x80) return 0;
    size = size * 128 + b;
  }
  return 10 + size + (flags & 0x10 ? 10 : 0);
}

/**
 * True when the 4 bytes at `offset` are a plausible MPEG audio frame header (layer I-III; not
 * free-format, reserved values or AAC's ADTS, which shares the sync word with layer bits 00).
 */
export function isMpegFrameHeader(v: ByteView, offset: number): boolean {
  if (!v.has(offset, 4)) return false;
  const b1 = v.u8(offset + 1);
  const b2 = v.u8(offset + 2);
  return (
    v.u8(offset) === 0xff &&
    (b1 & 0xe0) === 0xe0 &&
    ((b1 >> 3) & 3) !== 1 &&
    ((b1 >> 1) & 3) !== 0 &&
    b2 >> 4 !== 0 &&
    b2 >> 4 !== 15 &&
    ((b2 >> 2) & 3) !== 3
  );
}

/**
 * Identifies audio by magic bytes, never by file extension: RIFF/RIFX WAVE, `fLaC`, `OggS` with
 * a Vorbis or Opus identification header, MPEG audio frames (optionally after an ID3v2 tag).
 * Formats it recognises but does not decode are named, so errors can say what the file is.
 */
export function sniffAudio(bytes: Uint8Array): SniffResult {
  const v = new ByteView(bytes);
  if (v.length === 0) return { kind: 'other', what: 'an empty file' };
  const magic = v.ascii(0, 4);
  if ((magic === 'RIFF' || magic === 'RIFX') && v.ascii(8, 4) === 'WAVE') {
    return { kind: 'audio', format: 'wav', start: 0 };
  }
  if (magic === 'RF64' || magic === 'BW64') return { kind: 'other', what: `${magic} WAV (files over 4 GB)` };
  if (magic === 'fLaC') return { kind: 'audio', format: 'flac', start: 0 };
  if (magic === 'OggS') return sniffOgg(v);
  const tag = id3v2Size(v);
  if (tag > 0) {
    if (v.ascii(tag, 4) === 'fLaC') return { kind: 'audio', format: 'flac', start: tag };
    if (isMpegFrameHeader(v, tag)) return { kind: 'audio', format: 'mp3', start: tag };
    return { kind: 'other', what: 'an ID3 tag not followed by MPEG audio or FLAC' };
  }
  if (isMpegFrameHeader(v, 0)) return { kind: 'audio', format: 'mp3', start: 0 };
  return { kind: 'other', what: describeOther(v) };
}

function sniffOgg(v: ByteView): SniffResult {
  const segments = v.has(26, 1) ? v.u8(26) : -1;
  const payload = 27 + segments;
  if (segments < 0 || !v.has(payload, 8))
    return { kind: 'other', what: 'an Ogg file too short for a codec header' };
  if (v.ascii(payload, 7) === '\x01vorbis') return { kind: 'audio', format: 'ogg-vorbis', start: 0 };
  if (v.ascii(payload, 8) === 'OpusHead') return { kind: 'audio', format: 'ogg-opus', start: 0 };
  if (v.ascii(payload, 5) === '\x7fFLAC') return { kind: 'other', what: 'FLAC in Ogg (use native .flac)' };
  if (v.ascii(payload, 8) === 'Speex   ') return { kind: 'other', what: 'Speex in Ogg' };
  if (v.ascii(payload, 7) === '\x80theora') return { kind: 'other', what: 'Theora video in Ogg' };
  return { kind: 'other', what: 'an Ogg stream of an unknown codec' };
}

function describeOther(v: ByteView): string {
  const magic = v.ascii(0, 4);
  if (v.ascii(4, 4) === 'ftyp') return 'an MP4/M4A file (AAC, ALAC)';
  if (magic === '\x1aE\xdf\xa3') return 'a WebM/Matroska file';
  if (magic === 'FORM' && /^AIF[FC]$/.test(v.ascii(8, 4))) return 'an AIFF file';
  if (magic === '.snd') return 'a Sun AU file';
  if (v.ascii(0, 5) === '#!AMR') return 'an AMR file';
  if (v.ascii(0, 4) === 'wvpk') return 'a WavPack file';
  if (v.ascii(0, 4) === 'MAC ') return "a Monkey's Audio file";
  if (v.has(0, 2) && v.u8(0) === 0xff && (v.u8(1) & 0xf6) === 0xf0) return 'raw AAC (ADTS)';
  if (magic === 'RIFF') return `a RIFF file of type '${v.ascii(8, 4)}', not WAVE`;
  const head = Array.from(v.bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `unrecognised data (first bytes ${head})`;
}
