import { Rng, UserError, z } from '@peftkit/core';

/** Reader option: hold out whole speakers for evaluation. */
export const speakerSplitSchema = z.strictObject({
  /** Share of the examples (not speakers) to put in the eval split, in (0, 1). */
  evalFraction: z.number().gt(0).lt(1),
  /** Seed of the speaker shuffle (independent of the training seed). */
  seed: z.number().int().default(0),
});

export type SpeakerSplitOptions = z.output<typeof speakerSplitSchema>;

/** The names a speaker-split source reports through `DatasetReader.splits`. */
export const SPEAKER_SPLITS = ['train', 'eval'] as const;

/**
 * Assigns whole speakers to `train` or `eval` so no speaker is in both (a model scored on voices
 * it trained on looks better than it is). Speakers are shuffled with `seed`; within each group
 * (the label or accent, when given: every group gets eval speakers) speakers move to eval until
 * the group's eval examples reach `round(evalFraction x size)`, never taking the group's last
 * speaker. A speaker seen in several groups keeps its first assignment. Examples with an empty
 * speaker id count as one unknown speaker.
 *
 * @returns for each example, true when it belongs to the eval split.
 * @example
 * const isEval = speakerDisjointSplit(rows.map((r) => r.client_id), { evalFraction: 0.1, seed: 0 }, accents);
 */
export function speakerDisjointSplit(
  speakers: readonly string[],
  options: SpeakerSplitOptions,
  groups?: readonly string[],
  source = 'dataset',
): boolean[] {
  const byGroup = new Map<string, number[]>();
  speakers.forEach((_, i) => {
    const g = groups?.[i] ?? '';
    const list = byGroup.get(g);
    if (list) list.push(i);
    else byGroup.set(g, [i]);
  });
  const rng = new Rng(options.seed);
  const assigned = new Map<string, boolean>();
  for (const group of [...byGroup.keys()].sort()) {
    const members = byGroup.get(group) as number[];
    const counts = new Map<string, number>();
    for (const i of members) counts.set(speakers[i] as string, (counts.get(speakers[i] as string) ?? 0) + 1);
    const order = rng.shuffle([...counts.keys()].sort());
    const target = Math.round(members.length * options.evalFraction);
    let held = 0;
    for (const s of order) if (assigned.get(s) === true) held += counts.get(s) as number;
    for (const s of order) {
      if (assigned.has(s)) continue;
      const trainLeft = order.some((o) => o !== s && assigned.get(o) !== true);
      if (held < target && trainLeft) {
        assigned.set(s, true);
        held += counts.get(s) as number;
      } else assigned.set(s, false);
    }
  }
  const isEval = speakers.map((s) => assigned.get(s) === true);
  if (!isEval.some(Boolean) || isEval.every(Boolean)) {
    const distinct = new Set(speakers).size;
    throw new UserError(
      `${source}: a speaker-disjoint split needs speakers on both sides; ${distinct} speaker${distinct === 1 ? '' : 's'} in ${speakers.length} examples`,
    );
  }
  return isEval;
}
