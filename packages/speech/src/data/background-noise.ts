import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { listAudioFiles } from './list-audio-files.js';

/** Speech Commands' folder of long noise recordings (not a class). */
export const BACKGROUND_NOISE_DIR = '_background_noise_';

/**
 * The noise recordings of a Speech Commands-style folder (`<root>/_background_noise_/*.wav`),
 * as absolute paths; empty when there is no such folder. The folder reader leaves them out of
 * the classes and attaches them to every example (`AudioExample.noise`); the speech
 * preprocessors mix them into training clips when `augment.noiseProbability` is set.
 *
 * @example const noise = await backgroundNoiseFiles('data/speech_commands_v0.02');
 */
export async function backgroundNoiseFiles(
  root: string,
  dirName: string = BACKGROUND_NOISE_DIR,
): Promise<string[]> {
  const dir = path.join(root, dirName);
  const stat = await fs.stat(dir).catch(() => undefined);
  return stat?.isDirectory() ? listAudioFiles(dir) : [];
}
