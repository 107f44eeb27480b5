import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hubIdOfSnapshot } from './hub-snapshot-id.js';

describe('hubIdOfSnapshot', () => {
  const sha = '0123456789abcdef0123456789abcdef01234567';

  it('reads org/name and the commit from a cache snapshot path', () => {
    const dir = path.join(
      '/home/u/.cache/huggingface/hub',
      'models--google-bert--bert-base-uncased',
      'snapshots',
      sha,
    );
    expect(hubIdOfSnapshot(dir)).toEqual({ repo: 'google-bert/bert-base-uncased', sha });
    expect(hubIdOfSnapshot(path.join('/c', 'models--gpt2', 'snapshots', sha))).toEqual({ repo: 'gpt2', sha });
  });

  it('is undefined for other directories', () => {
    expect(hubIdOfSnapshot('/runs/base')).toBeUndefined();
    expect(hubIdOfSnapshot(path.join('/c', 'models--org--m', 'snapshots', 'main'))).toBeUndefined();
    expect(hubIdOfSnapshot(path.join('/c', 'datasets--org--m', 'snapshots', sha))).toBeUndefined();
  });
});
