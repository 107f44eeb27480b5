import { formatByteCount } from '../input-limits.js';

/** Reports one file's download: a redrawn bar on a TTY, else one plain line when it is done. */
export interface FileProgress {
  add(bytes: number): void;
  done(): void;
}

/**
 * A progress reporter for `label` of `total` bytes. On a TTY `stream` gets a bar redrawn at most
 * every 100 ms and a final line; otherwise `log` gets one line per file (so logs stay readable).
 */
export function fileProgress(
  label: string,
  total: number,
  log: (line: string) => void,
  stream: NodeJS.WriteStream = process.stderr,
): FileProgress {
  let seen = 0;
  let last = 0;
  const tty = stream.isTTY === true;
  const draw = (final: boolean) => {
    const frac = total > 0 ? Math.min(1, seen / total) : 1;
    const width = 24;
    const filled = Math.round(frac * width);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    stream.write(
      `\r${label} [${bar}] ${Math.round(frac * 100)}% ${formatByteCount(seen)}/${formatByteCount(total)}${final ? '\n' : ''}`,
    );
  };
  return {
    add(bytes) {
      seen += bytes;
      if (!tty) return;
      const now = Date.now();
      if (now - last >= 100) {
        last = now;
        draw(false);
      }
    },
    done() {
      if (tty) draw(true);
      else log(`downloaded ${label} (${formatByteCount(seen)})`);
    },
  };
}
