import { describe, expect, it } from 'vitest';
import { fileProgress } from './hub-progress.js';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream };
}

describe('fileProgress', () => {
  it('logs one plain line per file when stderr is not a terminal', () => {
    const { writes, stream } = fakeStream(false);
    const lines: string[] = [];
    const p = fileProgress('org/m/model.safetensors', 3000, (l) => lines.push(l), stream);
    p.add(1000);
    p.add(2000);
    p.done();
    expect(writes).toEqual([]);
    expect(lines).toEqual(['downloaded org/m/model.safetensors (2.9 KiB)']);
  });

  it('redraws a bar on a terminal and ends the line at 100%', () => {
    const { writes, stream } = fakeStream(true);
    const lines: string[] = [];
    const p = fileProgress('org/m/config.json', 400, (l) => lines.push(l), stream);
    p.add(100);
    p.done();
    expect(lines).toEqual([]);
    expect(writes[0]).toMatch(/^\rorg\/m\/config\.json \[#{6}\.{18}\] 25% 100 bytes\/400 bytes$/);
    expect(writes.at(-1)).toMatch(/\] 25% 100 bytes\/400 bytes\n$/);
  });
});
