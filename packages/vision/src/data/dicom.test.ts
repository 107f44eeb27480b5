import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeDicom, readDicom } from './dicom.js';
import { encodeDicom } from './dicom-writer.js';

const PIXELS = [0, 100, 1000, 2000, 3000, 4095];

describe('decodeDicom', () => {
  for (const [name, uid] of [
    ['implicit VR little endian', '1.2.840.10008.1.2'],
    ['explicit VR little endian', '1.2.840.10008.1.2.1'],
    ['explicit VR big endian', '1.2.840.10008.1.2.2'],
  ] as const) {
    it(`decodes ${name} with rescale slope/intercept applied`, () => {
      const bytes = encodeDicom({
        rows: 2,
        columns: 3,
        pixels: PIXELS,
        bitsStored: 12,
        transferSyntax: uid,
        rescaleSlope: 1,
        rescaleIntercept: -1024,
        modality: 'CT',
      });
      const img = decodeDicom(bytes, 'ct.dcm', { window: 'none' });
      expect([img.height, img.width, img.channels, img.transferSyntax]).toEqual([2, 3, 1, uid]);
      expect(Array.from(img.data)).toEqual(PIXELS.map((v) => v - 1024));
      expect(img.maxValue).toBeUndefined();
      expect(img.rescale).toEqual({ slope: 1, intercept: -1024 });
    });
  }

  it('applies the file window (to [0, 1]) and non-unit slopes', () => {
    const bytes = encodeDicom({
      rows: 1,
      columns: 4,
      pixels: [0, 500, 540, 2000],
      rescaleSlope: 2,
      rescaleIntercept: -1000,
      windowCenter: 40,
      windowWidth: 401,
    });
    const img = decodeDicom(bytes, 'w.dcm');
    // HU = 2 * raw - 1000 = [-1000, 0, 80, 3000]; window 40/401 spans [-160, 240].
    expect(img.window).toEqual({ center: 40, width: 401 });
    expect(img.maxValue).toBe(1);
    const expected = [0, (0 - 39.5) / 400 + 0.5, (80 - 39.5) / 400 + 0.5, 1];
    Array.from(img.data).forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i] as number, 6);
    });
    const raw = decodeDicom(bytes, 'w.dcm', { window: 'none' });
    expect(Array.from(raw.data)).toEqual([-1000, 0, 80, 3000]);
  });

  it('reads signed data with Bits Stored < Bits Allocated, MONOCHROME1 and 8-bit RGB', () => {
    const signed = encodeDicom({
      rows: 1,
      columns: 3,
      pixels: [0x0fff, 0x0800, 5],
      bitsStored: 12,
      signed: true,
    });
    expect(Array.from(decodeDicom(signed).data)).toEqual([-1, -2048, 5]);
    const mono1 = encodeDicom({
      rows: 1,
      columns: 2,
      pixels: [0, 255],
      bitsAllocated: 8,
      photometric: 'MONOCHROME1',
    });
    const m = decodeDicom(mono1);
    expect([Array.from(m.data), m.maxValue]).toEqual([[255, 0], 255]);
    const rgb = encodeDicom({
      rows: 1,
      columns: 2,
      pixels: [1, 2, 3, 4, 5, 6],
      bitsAllocated: 8,
      samplesPerPixel: 3,
    });
    const c = decodeDicom(rgb);
    expect([c.channels, Array.from(c.data)]).toEqual([3, [1, 2, 3, 4, 5, 6]]);
  });

  it('names the file for compressed syntaxes and corrupt files', async () => {
    const jpeg = encodeDicom({
      rows: 1,
      columns: 2,
      pixels: [1, 2],
      bitsAllocated: 8,
      transferSyntax: '1.2.840.10008.1.2.4.50',
      encapsulated: true,
    });
    expect(() => decodeDicom(jpeg, 'scan.dcm')).toThrow(
      'unsupported transfer syntax 1.2.840.10008.1.2.4.50 in scan.dcm',
    );
    expect(() => decodeDicom(new Uint8Array(200), 'empty.dcm')).toThrow('cannot read DICOM empty.dcm');
    const good = encodeDicom({ rows: 4, columns: 4, pixels: new Array(16).fill(7) });
    expect(() => decodeDicom(good.subarray(0, good.length - 10), 'cut.dcm')).toThrow(/cut\.dcm/);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'peftkit-dicom-'));
    try {
      const file = path.join(dir, 'a.dcm');
      await fs.writeFile(file, good);
      expect(Array.from((await readDicom(file)).data)).toEqual(new Array(16).fill(7));
      expect((await readDicom(file)).maxValue).toBe(65535);
      await expect(readDicom(path.join(dir, 'missing.dcm'))).rejects.toThrow('missing.dcm');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
