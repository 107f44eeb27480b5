/**
 * Bounds-checked little/big-endian reads over a byte array: header parsers read untrusted files,
 * so every read says whether the bytes were there instead of yielding `undefined` arithmetic.
 */
export class ByteView {
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.length;
  }

  /** True when `[offset, offset + n)` lies inside the bytes. */
  has(offset: number, n: number): boolean {
    return Number.isInteger(offset) && offset >= 0 && n >= 0 && offset + n <= this.bytes.length;
  }

  /** `n` bytes as latin-1 text, or '' when they are not all there. */
  ascii(offset: number, n: number): string {
    if (!this.has(offset, n)) return '';
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(this.bytes[offset + i] as number);
    return s;
  }

  u8(offset: number): number {
    return this.view.getUint8(offset);
  }

  u16(offset: number, littleEndian: boolean): number {
    return this.view.getUint16(offset, littleEndian);
  }

  u32(offset: number, littleEndian: boolean): number {
    return this.view.getUint32(offset, littleEndian);
  }

  /** Unsigned 64-bit little-endian as a number (exact below 2^53), or -1 for the all-ones value. */
  u64le(offset: number): number {
    const lo = this.view.getUint32(offset, true);
    const hi = this.view.getUint32(offset + 4, true);
    if (lo === 0xffffffff && hi === 0xffffffff) return -1;
    return hi * 2 ** 32 + lo;
  }
}
