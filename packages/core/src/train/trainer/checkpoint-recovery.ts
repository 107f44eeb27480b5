import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { readTrainerState } from './checkpoint-io.js';

/** `.last.tmp-<pid>-<hex>` / `.best.old-<pid>-<hex>`: what `writeDirAtomic` leaves after a kill. */
const LEFTOVER = /^\.(last|best)\.(tmp|old)-\d+-[0-9a-f]+$/;
/** `.summary.json.tmp-<pid>-<hex>`: a `writeFileAtomic` temp file cut short by a kill. */
const TEMP_FILE = /^\..+\.tmp-\d+-[0-9a-f]+$/;

/**
 * Repairs a run directory after a kill, before training starts or resumes in it:
 * - when `checkpoints/last` (or `best`) is missing because the kill fell between the two renames
 *   of an atomic save, the newest complete leftover (`.last.old-*` or the finished
 *   `.last.tmp-*`, by the step in its `trainer_state.json`) becomes `last` again;
 * - every other leftover checkpoint dir and every half-written temp file in the run root is
 *   removed (they are older or incomplete copies).
 * Returns one line per action, for the log.
 */
export async function recoverCheckpoints(root: string): Promise<string[]> {
  const notes: string[] = [];
  const ckpt = path.join(root, 'checkpoints');
  const entries = await fs.readdir(ckpt).catch(() => [] as string[]);
  for (const kind of ['last', 'best'] as const) {
    const leftovers = entries.filter((e) => LEFTOVER.exec(e)?.[1] === kind);
    if (leftovers.length === 0) continue;
    const target = path.join(ckpt, kind);
    let keep: string | undefined;
    if (!(await isDir(target))) {
      let bestStep = -1;
      for (const name of leftovers) {
        const step = await readTrainerState(path.join(ckpt, name)).then(
          (s) => s.step,
          () => -1,
        );
        if (step > bestStep) [bestStep, keep] = [step, name];
      }
      if (keep !== undefined) {
        await fs.rename(path.join(ckpt, keep), target);
        notes.push(
          `note: recovered checkpoints/${kind} (step ${bestStep}) from ${keep} left by an interrupted save`,
        );
      }
    }
    for (const name of leftovers) {
      if (name === keep) continue;
      await fs.rm(path.join(ckpt, name), { recursive: true, force: true });
      notes.push(`note: removed checkpoints/${name} left by an interrupted save`);
    }
  }
  for (const name of await fs.readdir(root).catch(() => [] as string[])) {
    if (!TEMP_FILE.test(name)) continue;
    const p = path.join(root, name);
    if ((await fs.lstat(p)).isFile()) {
      await fs.rm(p, { force: true });
      notes.push(`note: removed ${name} left by an interrupted write`);
    }
  }
  return notes;
}

async function isDir(p: string): Promise<boolean> {
  return fs.stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
