import { AudioError } from './audio-error.js';
import { ByteView } from './byte-view.js';

/** The logical stream of an Ogg Vorbis or Opus file, from its first page. */
export interface OggStream {
  readonly codec: 'vorbis' | 'opus';
  readonly serial: number;
  readonly channels: number;
  /** Rate of the decoded samples (always 48 kHz for Opus) and of the granule positions. */
  readonly sampleRate: number;
  /** Opus: samples to drop at the start (granule positions include them). */
  readonly preSkip: number;
}

/** The Ogg stream's end: samples per channel from the last granule position. */
export interface OggEnd {
  readonly samples: number;
  /** True when the last page carries the end-of-stream flag. */
  readonly complete: boolean;
}

const HEADER = 27;

/** Reads the identification header in the first page (Vorbis or Opus). */
export function parseOggHead(bytes: Uint8Array, name: string): OggStream {
  const v = new ByteView(bytes);
  const bad = (detail: string) => new AudioError(name, 'corrupt', `corrupt Ogg: ${detail}`);
  if (!v.has(0, HEADER))
    throw new AudioError(name, 'truncated', 'truncated Ogg: the file ends inside its first page');
  const serial = v.u32(14, true);
  const payload = HEADER + v.u8(26);
  if (v.ascii(payload, 7) === '\x01vorbis') {
    if (!v.has(payload + 7, 9))
      throw new AudioError(name, 'truncated', 'truncated Ogg: incomplete Vorbis header');
    const channels = v.u8(payload + 11);
    const sampleRate = v.u32(payload + 12, true);
    if (channels < 1) throw bad(`Vorbis header with ${channels} channels`);
    if (sampleRate < 1000 || sampleRate > 768_000) throw bad(`Vorbis sample rate ${sampleRate} Hz`);
    return { codec: 'vorbis', serial, channels, sampleRate, preSkip: 0 };
  }
  if (!v.has(payload + 8, 11))
    throw new AudioError(name, 'truncated', 'truncated Ogg: incomplete Opus header');
  const channels = v.u8(payload + 9);
  if (channels < 1) throw bad(`Opus header with ${channels} channels`);
  return { codec: 'opus', serial, channels, sampleRate: 48_000, preSkip: v.u16(payload + 10, true) };
}

/**
 * The last granule position of `stream` found in `tail` (the last bytes of the file), scanning
 * pages backwards; undefined when no page of the stream in `tail` has one.
 */
export function findOggEnd(tail: Uint8Array, stream: OggStream): OggEnd | undefined {
  const v = new ByteView(tail);
  for (let at = v.length - HEADER; at >= 0; at--) {
    if (v.u8(at) !== 0x4f || v.ascii(at, 4) !== 'OggS' || v.u8(at + 4) !== 0) continue;
    if (v.u32(at + 14, true) !== stream.serial) continue;
    const granule = v.u64le(at + 6);
    if (granule < 0) continue;
    return { samples: Math.max(0, granule - stream.preSkip), complete: (v.u8(at + 5) & 4) !== 0 };
  }
  return undefined;
}

/**
 * Walks every page of a whole Ogg file: checks capture patterns, page sizes against the file
 * end and each page's CRC, and returns the stream's end. A file whose last page lacks the
 * end-of-stream flag, or ends inside a page, is truncated; a bad CRC is corruption.
 */
export function walkOgg(bytes: Uint8Array, stream: OggStream, name: string): OggEnd {
  const v = new ByteView(bytes);
  let at = 0;
  let end: OggEnd | undefined;
  while (at < v.length) {
    if (v.ascii(at, 4) !== 'OggS' || !v.has(at, HEADER)) {
      if (!v.has(at, HEADER) && 'OggS'.startsWith(v.ascii(at, Math.min(4, v.length - at)))) {
        throw new AudioError(name, 'truncated', `truncated Ogg: the file ends inside the page at byte ${at}`);
      }
      throw new AudioError(name, 'corrupt', `corrupt Ogg: no page at byte ${at} of ${v.length}`);
    }
    const segments = v.u8(at + 26);
    if (!v.has(at + HEADER, segments)) {
      throw new AudioError(name, 'truncated', `truncated Ogg: the file ends inside the page at byte ${at}`);
    }
    let size = HEADER + segments;
    for (let i = 0; i < segments; i++) size += v.u8(at + HEADER + i);
    if (!v.has(at, size)) {
      throw new AudioError(
        name,
        'truncated',
        `truncated Ogg: the page at byte ${at} needs ${size} bytes, ${v.length - at} remain`,
      );
    }
    if (oggCrc(v.bytes, at, size) !== v.u32(at + 22, true)) {
      throw new AudioError(name, 'corrupt', `corrupt Ogg: checksum mismatch in the page at byte ${at}`);
    }
    if (v.u32(at + 14, true) === stream.serial) {
      const granule = v.u64le(at + 6);
      const complete = (v.u8(at + 5) & 4) !== 0;
      if (granule >= 0) end = { samples: Math.max(0, granule - stream.preSkip), complete };
      else if (end) end = { ...end, complete: end.complete || complete };
    }
    at += size;
  }
  if (!end) throw new AudioError(name, 'empty', 'Ogg stream without audio pages');
  if (!end.complete)
    throw new AudioError(name, 'truncated', 'truncated Ogg: the last page has no end-of-stream flag');
  return end;
}

let table: Uint32Array | undefined;

/** Ogg's CRC-32 (polynomial 0x04c11db7, no reflection) of a page with its CRC field read as 0. */
function oggCrc(bytes: Uint8Array, at: number, size: number): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let r = i << 24;
      for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
      table[i] = r >>> 0;
    }
  }
  let crc = 0;
  for (let i = 0; i < size; i++) {
    const b = i >= 22 && i < 26 ? 0 : (bytes[at + i] as number);
    crc = ((crc << 8) ^ (table[((crc >>> 24) ^ b) & 0xff] as number)) >>> 0;
  }
  return crc;
}
