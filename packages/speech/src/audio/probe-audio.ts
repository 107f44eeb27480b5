import { sniffAudio } from './detect-format.js';
import { type AudioProbe, type Inspection, inspectAudio } from './inspect.js';
import { DEFAULT_MAX_BYTES } from './limits.js';
import { readRange, readWhole, statAudioFile } from './read-audio-file.js';

/** A probe of a file on disk, with its size. */
export interface AudioFileProbe extends AudioProbe {
  readonly bytes: number;
}

/** Bytes read from the start of a file to probe it. */
export const PROBE_HEAD_BYTES = 64 * 1024;
/** Ogg pages are at most 27 + 255 + 255 * 255 = 65,307 bytes: 64 KiB holds the last page's header. */
const TAIL = 64 * 1024;

/** The first read: enough for WAV and FLAC headers, whose durations are exact from them. */
const FIRST_READ = 4 * 1024;

/**
 * Reads an audio file's headers without decoding it: format (by magic bytes), rate, channels and
 * duration. WAV and FLAC are answered from their first 4 KiB. Other files up to 64 KiB are read
 * whole and checked frame by frame as `decodeAudio` does; larger ones by their first 64 KiB, plus
 * the last 64 KiB of Ogg files (the final granule position). Only a WAV whose `data` chunk starts
 * beyond 64 KiB is read whole. Unsupported, corrupt and truncated headers, missing files and
 * files over `maxBytes` are `AudioError`s naming the file.
 *
 * @example
 * const { durationSeconds } = await probeAudioFile('clips/a.mp3'); // before deciding to decode
 */
export async function probeAudioFile(
  file: string,
  options: { maxBytes?: number | undefined } = {},
): Promise<AudioFileProbe> {
  const size = await statAudioFile(file, options.maxBytes ?? DEFAULT_MAX_BYTES);
  const first = await readRange(file, 0, Math.min(size, FIRST_READ));
  const sniff = sniffAudio(first);
  if (sniff.kind === 'audio' && (sniff.format === 'wav' || sniff.format === 'flac')) {
    const found = inspectAudio({ head: first, fileSize: size, whole: false, name: file });
    if (found) return { ...found.probe, bytes: size };
  }
  if (size <= PROBE_HEAD_BYTES) {
    // Small files are checked as decodeAudio checks them: every MP3 frame and Ogg page.
    const whole = size <= FIRST_READ ? first : await readWhole(file);
    return { ...wholeProbe(whole, file, true), bytes: whole.length };
  }
  const head = await readRange(file, 0, PROBE_HEAD_BYTES);
  const tail = head[0] === 0x4f ? await readRange(file, size - TAIL, TAIL) : undefined;
  const found = inspectAudio({ head, tail, fileSize: size, whole: false, name: file });
  if (found) return { ...found.probe, bytes: size };
  return { ...wholeProbe(await readWhole(file), file, false), bytes: size };
}

function wholeProbe(bytes: Uint8Array, name: string, walk: boolean): AudioProbe {
  // With every byte at hand the headers cannot be cut short, so there is always an answer.
  return (inspectAudio({ head: bytes, fileSize: bytes.length, whole: walk, name }) as Inspection).probe;
}
