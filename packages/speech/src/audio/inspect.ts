import { AudioError } from './audio-error.js';
import { type AudioFormat, sniffAudio } from './detect-format.js';
import { parseFlacHeader } from './flac-header.js';
import { probeMp3, walkMp3 } from './mp3-frames.js';
import { findOggEnd, type OggStream, parseOggHead, walkOgg } from './ogg-pages.js';
import { parseWavHeader, type WavHeader } from './wav-header.js';

/** What an audio file's headers say, without decoding it. */
export interface AudioProbe {
  readonly format: AudioFormat;
  /** The file's own sample rate (Hz). */
  readonly sampleRate: number;
  readonly channels: number;
  /** Length in seconds; undefined when the headers do not say (a FLAC encoded from a stream). */
  readonly durationSeconds: number | undefined;
  /**
   * False when the duration is an estimate: an MP3 without an Xing/Info/VBRI tag, probed from
   * its first frame's bitrate and the file size.
   */
  readonly exact: boolean;
}

/** A probe plus what the decoder needs from the headers. */
export interface Inspection {
  readonly probe: AudioProbe;
  /** Samples per channel the headers announce (0 when unknown). */
  readonly frames: number;
  /** Where the stream starts (after a leading ID3v2 tag). */
  readonly start: number;
  readonly wav?: WavHeader | undefined;
  readonly ogg?: OggStream | undefined;
}

export interface InspectInput {
  /** The whole file, or its first bytes when `whole` is false. */
  readonly head: Uint8Array;
  /** The last bytes of the file (Ogg end-of-stream), when `whole` is false. */
  readonly tail?: Uint8Array | undefined;
  readonly fileSize: number;
  /** True when `head` is the whole file: every MP3 frame and Ogg page is then checked. */
  readonly whole: boolean;
  readonly name: string;
}

/**
 * Reads the headers of a WAV, MP3, FLAC or Ogg file. Returns undefined when `head` ends before
 * the headers do (a WAV with large chunks before `data`): read more and call again. Unsupported
 * files are an `unsupported` `AudioError` that says what the file is.
 */
export function inspectAudio(input: InspectInput): Inspection | undefined {
  const { head, name, fileSize, whole } = input;
  const sniff = sniffAudio(head);
  if (sniff.kind === 'other') {
    if (fileSize === 0) throw new AudioError(name, 'empty', 'empty file');
    throw new AudioError(
      name,
      'unsupported',
      `not a WAV, MP3, FLAC, Ogg Vorbis or Ogg Opus file: ${sniff.what}`,
    );
  }
  const seconds = (frames: number, rate: number) => frames / rate;
  switch (sniff.format) {
    case 'wav': {
      const wav = parseWavHeader(head, name, fileSize);
      if (!wav) return undefined;
      if (wav.frames === 0) throw new AudioError(name, 'empty', 'WAV without samples');
      const probe = {
        format: 'wav' as const,
        sampleRate: wav.sampleRate,
        channels: wav.channels,
        durationSeconds: seconds(wav.frames, wav.sampleRate),
        exact: true,
      };
      return { probe, frames: wav.frames, start: 0, wav };
    }
    case 'mp3': {
      const mp3 = whole ? walkMp3(head, sniff.start, name) : probeMp3(head, sniff.start, name, fileSize);
      const probe = {
        format: 'mp3' as const,
        sampleRate: mp3.sampleRate,
        channels: mp3.channels,
        durationSeconds: seconds(mp3.samples, mp3.sampleRate),
        exact: mp3.exact,
      };
      return { probe, frames: mp3.samples, start: sniff.start };
    }
    case 'flac': {
      const flac = parseFlacHeader(head, sniff.start, name);
      const probe = {
        format: 'flac' as const,
        sampleRate: flac.sampleRate,
        channels: flac.channels,
        durationSeconds: flac.samples > 0 ? seconds(flac.samples, flac.sampleRate) : undefined,
        exact: flac.samples > 0,
      };
      return { probe, frames: flac.samples, start: sniff.start };
    }
    case 'ogg-vorbis':
    case 'ogg-opus': {
      const ogg = parseOggHead(head, name);
      const end = whole ? walkOgg(head, ogg, name) : findOggEnd(input.tail ?? head, ogg);
      const probe = {
        format: sniff.format,
        sampleRate: ogg.sampleRate,
        channels: ogg.channels,
        durationSeconds: end ? seconds(end.samples, ogg.sampleRate) : undefined,
        exact: end !== undefined,
      };
      return { probe, frames: end?.samples ?? 0, start: 0, ogg };
    }
  }
}
