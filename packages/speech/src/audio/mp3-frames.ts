import { AudioError } from './audio-error.js';
import { ByteView } from './byte-view.js';
import { isMpegFrameHeader } from './detect-format.js';

/** One MPEG audio frame header. */
export interface MpegFrame {
  /** 1 (MPEG-1), 2 (MPEG-2) or 2.5. */
  readonly version: number;
  readonly layer: 1 | 2 | 3;
  readonly bitrate: number;
  readonly sampleRate: number;
  readonly channels: 1 | 2;
  readonly samplesPerFrame: number;
  /** Bytes of the whole frame, header included. */
  readonly bytes: number;
}

/** What the headers of an MP3 say about its audio. */
export interface Mp3Info {
  readonly sampleRate: number;
  readonly channels: number;
  /** Audio frames (an Xing/Info frame, which holds no audio, not counted). */
  readonly frames: number;
  /** Samples per channel after removing the encoder delay and padding a LAME tag records. */
  readonly samples: number;
  /** False when the duration is estimated from the file size and the first frame's bitrate. */
  readonly exact: boolean;
}

const KBPS: Readonly<Record<string, readonly number[]>> = {
  '1-1': [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  '1-2': [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  '1-3': [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  '2-1': [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  '2-2': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const RATES: Readonly<Record<number, readonly number[]>> = {
  1: [44100, 48000, 32000],
  2: [22050, 24000, 16000],
  2.5: [11025, 12000, 8000],
};

/** The frame header at `at`, or undefined when there is none. */
export function readMpegFrame(v: ByteView, at: number): MpegFrame | undefined {
  if (!isMpegFrameHeader(v, at)) return undefined;
  const b1 = v.u8(at + 1);
  const b2 = v.u8(at + 2);
  const b3 = v.u8(at + 3);
  const version = [2.5, 0, 2, 1][(b1 >> 3) & 3] as number;
  const layer = (4 - ((b1 >> 1) & 3)) as 1 | 2 | 3;
  const table = KBPS[`${version === 1 ? 1 : 2}-${version === 1 ? layer : Math.min(layer, 2)}`] as number[];
  const bitrate = (table[b2 >> 4] as number) * 1000;
  const sampleRate = (RATES[version] as number[])[(b2 >> 2) & 3] as number;
  const padding = (b2 >> 1) & 1;
  const samplesPerFrame = layer === 1 ? 384 : layer === 2 || version === 1 ? 1152 : 576;
  const bytes =
    layer === 1
      ? (Math.floor((12 * bitrate) / sampleRate) + padding) * 4
      : Math.floor(((samplesPerFrame / 8) * bitrate) / sampleRate) + padding;
  return { version, layer, bitrate, sampleRate, channels: b3 >> 6 === 3 ? 1 : 2, samplesPerFrame, bytes };
}

interface XingTag {
  readonly frames: number | undefined;
  readonly delay: number;
  readonly padding: number;
}

/** The Xing/Info (LAME, FFmpeg) or VBRI tag inside the first frame, if it is one. */
function readVbrTag(v: ByteView, at: number, f: MpegFrame): XingTag | undefined {
  if (f.layer !== 3) return undefined;
  const side = f.version === 1 ? (f.channels === 1 ? 17 : 32) : f.channels === 1 ? 9 : 17;
  const x = at + 4 + side;
  const id = v.ascii(x, 4);
  if ((id === 'Xing' || id === 'Info') && v.has(x, 8)) {
    const flags = v.u32(x + 4, false);
    let p = x + 8;
    const frames = flags & 1 && v.has(p, 4) ? v.u32(p, false) : undefined;
    p += (flags & 1 ? 4 : 0) + (flags & 2 ? 4 : 0) + (flags & 4 ? 100 : 0) + (flags & 8 ? 4 : 0);
    // LAME-style extension: 12-bit encoder delay and padding at offset 21.
    let delay = 0;
    let padding = 0;
    if (/^(LAME|Lavc|Lavf|L3.9)/.test(v.ascii(p, 4)) && v.has(p + 21, 3)) {
      const a = v.u8(p + 21);
      const b = v.u8(p + 22);
      const c = v.u8(p + 23);
      delay = (a << 4) | (b >> 4);
      padding = ((b & 0x0f) << 8) | c;
    }
    return { frames, delay, padding };
  }
  if (v.ascii(at + 36, 4) === 'VBRI' && v.has(at + 36, 18)) {
    return { frames: v.u32(at + 36 + 14, false), delay: 0, padding: 0 };
  }
  return undefined;
}

/**
 * MP3 facts from its first frame: exact when an Xing/Info or VBRI tag gives the frame count,
 * otherwise estimated as constant bitrate from `fileSize`. Needs only the head of the file.
 */
export function probeMp3(bytes: Uint8Array, start: number, name: string, fileSize: number): Mp3Info {
  const v = new ByteView(bytes);
  const first = readMpegFrame(v, start);
  if (!first) throw new AudioError(name, 'corrupt', `corrupt MP3: no frame header at byte ${start}`);
  const tag = readVbrTag(v, start, first);
  if (tag?.frames !== undefined) {
    const samples = Math.max(0, tag.frames * first.samplesPerFrame - tag.delay - tag.padding);
    return {
      sampleRate: first.sampleRate,
      channels: first.channels,
      frames: tag.frames,
      samples,
      exact: true,
    };
  }
  const frames = Math.ceil((fileSize - start) / first.bytes);
  const samples = frames * first.samplesPerFrame;
  return { sampleRate: first.sampleRate, channels: first.channels, frames, samples, exact: false };
}

/**
 * Walks every frame of a whole MP3 file: exact frame count, and errors for a frame cut off by the
 * end of the file (truncated), fewer frames than the Xing tag declares (truncated), or bytes that
 * are neither frames nor a trailing tag (corrupt).
 */
export function walkMp3(bytes: Uint8Array, start: number, name: string): Mp3Info {
  const v = new ByteView(bytes);
  const first = readMpegFrame(v, start);
  if (!first) throw new AudioError(name, 'corrupt', `corrupt MP3: no frame header at byte ${start}`);
  const tag = readVbrTag(v, start, first);
  let at = start + (tag ? first.bytes : 0);
  let frames = 0;
  while (at < v.length) {
    const f = readMpegFrame(v, at);
    if (!f) {
      if (isTrailingTag(v, at)) break;
      throw new AudioError(name, 'corrupt', `corrupt MP3: no frame header at byte ${at} of ${v.length}`);
    }
    if (f.version !== first.version || f.layer !== first.layer || f.sampleRate !== first.sampleRate) {
      throw new AudioError(name, 'corrupt', `corrupt MP3: the frame at byte ${at} changes format`);
    }
    if (at + f.bytes > v.length) {
      throw new AudioError(
        name,
        'truncated',
        `truncated MP3: the last frame needs ${f.bytes} bytes, ${v.length - at} remain`,
      );
    }
    frames++;
    at += f.bytes;
  }
  if (frames === 0) throw new AudioError(name, 'empty', 'MP3 without audio frames');
  if (tag?.frames !== undefined && frames < tag.frames) {
    throw new AudioError(
      name,
      'truncated',
      `truncated MP3: ${frames} of the ${tag.frames} frames its header declares`,
    );
  }
  const samples = Math.max(0, frames * first.samplesPerFrame - (tag?.delay ?? 0) - (tag?.padding ?? 0));
  return { sampleRate: first.sampleRate, channels: first.channels, frames, samples, exact: true };
}

/** ID3v1, APE and Lyrics3 tags, an appended ID3v2 tag, or zero padding after the last frame. */
function isTrailingTag(v: ByteView, at: number): boolean {
  const rest = v.length - at;
  if (v.ascii(at, 3) === 'TAG' && rest === 128) return true;
  if (['APETAGEX', 'LYRICSBE'].includes(v.ascii(at, 8)) || v.ascii(at, 3) === 'ID3') return true;
  for (let i = at; i < v.length; i++) if (v.bytes[i] !== 0) return false;
  return true;
}
