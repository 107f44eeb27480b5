import { AudioError } from './audio-error.js';
import { ByteView } from './byte-view.js';

/** The STREAMINFO block of a FLAC file. */
export interface FlacInfo {
  readonly sampleRate: number;
  readonly channels: number;
  readonly bitsPerSample: number;
  /** Samples per channel; 0 when the encoder did not know (streamed encodes). */
  readonly samples: number;
}

/** Reads STREAMINFO, the mandatory first metadata block after `fLaC` (at `start`). */
export function parseFlacHeader(bytes: Uint8Array, start: number, name: string): FlacInfo {
  const v = new ByteView(bytes);
  const block = start + 4;
  if (!v.has(block, 4 + 18)) {
    throw new AudioError(name, 'truncated', 'truncated FLAC: the file ends inside its STREAMINFO block');
  }
  const type = v.u8(block) & 0x7f;
  const length = (v.u8(block + 1) << 16) | (v.u16(block + 2, false) >>> 0);
  if (type !== 0 || length !== 34) {
    throw new AudioError(
      name,
      'corrupt',
      `corrupt FLAC: first metadata block is type ${type} of ${length} bytes, not STREAMINFO`,
    );
  }
  const d = block + 4;
  const sampleRate = (v.u8(d + 10) << 12) | (v.u8(d + 11) << 4) | (v.u8(d + 12) >> 4);
  const channels = ((v.u8(d + 12) >> 1) & 7) + 1;
  const bitsPerSample = (((v.u8(d + 12) & 1) << 4) | (v.u8(d + 13) >> 4)) + 1;
  const samples = (v.u8(d + 13) & 0x0f) * 2 ** 32 + v.u32(d + 14, false);
  if (sampleRate < 1000 || sampleRate > 655_350) {
    throw new AudioError(name, 'corrupt', `corrupt FLAC: sample rate ${sampleRate} Hz`);
  }
  if (bitsPerSample < 4)
    throw new AudioError(name, 'corrupt', `corrupt FLAC: ${bitsPerSample} bits per sample`);
  return { sampleRate, channels, bitsPerSample, samples };
}
