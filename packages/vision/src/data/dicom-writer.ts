/** What `encodeDicom` writes. */
export interface DicomSpec {
  rows: number;
  columns: number;
  /** Sample values in row-major order (interleaved RGB for 3 samples), as stored. */
  pixels: ArrayLike<number>;
  /** Default: Explicit VR Little Endian. */
  transferSyntax?: string;
  bitsAllocated?: 8 | 16;
  bitsStored?: number;
  signed?: boolean;
  samplesPerPixel?: 1 | 3;
  photometric?: 'MONOCHROME1' | 'MONOCHROME2' | 'RGB';
  rescaleSlope?: number;
  rescaleIntercept?: number;
  windowCenter?: number;
  windowWidth?: number;
  modality?: string;
  /** Write the pixel data as one encapsulated fragment (what compressed syntaxes do). */
  encapsulated?: boolean;
}

interface El {
  group: number;
  element: number;
  vr: string;
  value: Uint8Array;
}

const LONG_VRS = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN']);
const IMPLICIT = '1.2.840.10008.1.2';
const BIG_ENDIAN = '1.2.840.10008.1.2.2';

const text = (s: string, pad: string): Uint8Array => {
  const v = s.length % 2 ? s + pad : s;
  return new TextEncoder().encode(v);
};

function us(v: number, little: boolean): Uint8Array {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setUint16(0, v, little);
  return b;
}

function encodeElements(els: El[], explicit: boolean, little: boolean): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const e of els) {
    const long = LONG_VRS.has(e.vr);
    const undefinedLength = e.value.length === 0xffffffff;
    const head = new Uint8Array(explicit ? (long ? 12 : 8) : 8);
    const v = new DataView(head.buffer);
    v.setUint16(0, e.group, little);
    v.setUint16(2, e.element, little);
    if (explicit) {
      head[4] = e.vr.charCodeAt(0);
      head[5] = e.vr.charCodeAt(1);
      if (long) v.setUint32(8, undefinedLength ? 0xffffffff : e.value.length, little);
      else v.setUint16(6, e.value.length, little);
    } else v.setUint32(4, e.value.length, little);
    out.push(head, e.value);
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Writes a minimal DICOM Part 10 file byte by byte: 128-byte preamble, `DICM`, the file meta
 * group (Explicit VR Little Endian, with its group length), then a Secondary Capture data set with
 * the image pixel module and optional rescale/window tags, in the requested transfer syntax.
 * For tests and synthetic data (demos); real files come from scanners and PACS.
 */
export function encodeDicom(spec: DicomSpec): Uint8Array {
  const syntax = spec.transferSyntax ?? '1.2.840.10008.1.2.1';
  const explicit = syntax !== IMPLICIT;
  const little = syntax !== BIG_ENDIAN;
  const bits = spec.bitsAllocated ?? 16;
  const spp = spec.samplesPerPixel ?? 1;
  const sopClass = '1.2.840.10008.5.1.4.1.1.7';
  const sopInstance = '1.2.826.0.1.3680043.2.1125.1.1';

  const meta: El[] = [
    { group: 2, element: 0x0001, vr: 'OB', value: new Uint8Array([0, 1]) },
    { group: 2, element: 0x0002, vr: 'UI', value: text(sopClass, '\0') },
    { group: 2, element: 0x0003, vr: 'UI', value: text(sopInstance, '\0') },
    { group: 2, element: 0x0010, vr: 'UI', value: text(syntax, '\0') },
    { group: 2, element: 0x0012, vr: 'UI', value: text('1.2.826.0.1.3680043.2.1125.9', '\0') },
  ];
  const metaBody = concat(encodeElements(meta, true, true));
  const groupLength = new Uint8Array(4);
  new DataView(groupLength.buffer).setUint32(0, metaBody.length, true);
  const metaAll = concat([
    ...encodeElements([{ group: 2, element: 0, vr: 'UL', value: groupLength }], true, true),
    metaBody,
  ]);

  const pixels = new Uint8Array(spec.pixels.length * (bits / 8));
  const pv = new DataView(pixels.buffer);
  for (let i = 0; i < spec.pixels.length; i++) {
    const v = spec.pixels[i] as number;
    if (bits === 8) pv.setUint8(i, v & 0xff);
    else pv.setUint16(2 * i, v & 0xffff, little);
  }
  const ds = (s: string) => text(s, ' ');
  const data: El[] = [
    { group: 0x0008, element: 0x0016, vr: 'UI', value: text(sopClass, '\0') },
    { group: 0x0008, element: 0x0018, vr: 'UI', value: text(sopInstance, '\0') },
    { group: 0x0008, element: 0x0060, vr: 'CS', value: ds(spec.modality ?? 'OT') },
    { group: 0x0028, element: 0x0002, vr: 'US', value: us(spp, little) },
    {
      group: 0x0028,
      element: 0x0004,
      vr: 'CS',
      value: ds(spec.photometric ?? (spp === 3 ? 'RGB' : 'MONOCHROME2')),
    },
    ...(spp === 3 ? [{ group: 0x0028, element: 0x0006, vr: 'US', value: us(0, little) }] : []),
    { group: 0x0028, element: 0x0010, vr: 'US', value: us(spec.rows, little) },
    { group: 0x0028, element: 0x0011, vr: 'US', value: us(spec.columns, little) },
    { group: 0x0028, element: 0x0100, vr: 'US', value: us(bits, little) },
    { group: 0x0028, element: 0x0101, vr: 'US', value: us(spec.bitsStored ?? bits, little) },
    { group: 0x0028, element: 0x0102, vr: 'US', value: us((spec.bitsStored ?? bits) - 1, little) },
    { group: 0x0028, element: 0x0103, vr: 'US', value: us(spec.signed ? 1 : 0, little) },
  ];
  if (spec.windowCenter !== undefined)
    data.push({ group: 0x0028, element: 0x1050, vr: 'DS', value: ds(String(spec.windowCenter)) });
  if (spec.windowWidth !== undefined)
    data.push({ group: 0x0028, element: 0x1051, vr: 'DS', value: ds(String(spec.windowWidth)) });
  if (spec.rescaleIntercept !== undefined)
    data.push({ group: 0x0028, element: 0x1052, vr: 'DS', value: ds(String(spec.rescaleIntercept)) });
  if (spec.rescaleSlope !== undefined)
    data.push({ group: 0x0028, element: 0x1053, vr: 'DS', value: ds(String(spec.rescaleSlope)) });
  const body = encodeElements(data, explicit, little);
  if (spec.encapsulated) {
    // Undefined-length OB: empty basic offset table item, one fragment, sequence delimiter.
    const item = (tagEl: number, payload: Uint8Array) => {
      const h = new Uint8Array(8);
      const v = new DataView(h.buffer);
      v.setUint16(0, 0xfffe, true);
      v.setUint16(2, tagEl, true);
      v.setUint32(4, payload.length, true);
      return concat([h, payload]);
    };
    const frag = pixels.length % 2 ? concat([pixels, new Uint8Array(1)]) : pixels;
    const head = new Uint8Array(12);
    const hv = new DataView(head.buffer);
    hv.setUint16(0, 0x7fe0, true);
    hv.setUint16(2, 0x0010, true);
    head[4] = 0x4f; // 'O'
    head[5] = 0x42; // 'B'
    hv.setUint32(8, 0xffffffff, true);
    body.push(head, item(0xe000, new Uint8Array(0)), item(0xe000, frag), item(0xe0dd, new Uint8Array(0)));
  } else {
    body.push(
      ...encodeElements(
        [{ group: 0x7fe0, element: 0x0010, vr: bits === 8 ? 'OB' : 'OW', value: pixels }],
        explicit,
        little,
      ),
    );
  }
  return concat([new Uint8Array(128), new TextEncoder().encode('DICM'), metaAll, ...body]);
}
