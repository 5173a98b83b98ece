// Growing columns filled from CSV bytes: ids as UTF-8 bytes (no string per
// row) and positions as doubles, sized once when the total is known ahead.
// Kept columns, typed from their values, are in csv-kept.ts.

import { TextColumn } from './text.js';

const QUOTE = 34;

/** Texts appended as bytes; a quoted field's doubled quotes are undone on the way in. */
export class BytesBuilder {
  private offsets = new Int32Array(1 << 12);
  private data = new Uint8Array(1 << 15);
  private n = 0;
  private bytes = 0;
  private high = 0;

  get length(): number {
    return this.n;
  }

  private reserve(extra: number): void {
    if (this.n + 1 >= this.offsets.length) this.reserveTotal(this.offsets.length * 2, 0);
    if (this.bytes + extra > this.data.length) this.reserveTotal(0, Math.max(this.data.length * 2, this.bytes + extra));
  }

  /** Room for `values` values and `bytes` bytes in all, grown once (when the total is known ahead). */
  reserveTotal(values: number, bytes: number): void {
    if (values + 1 > this.offsets.length) {
      const o = new Int32Array(values + 1);
      o.set(this.offsets.subarray(0, this.n + 1));
      this.offsets = o;
    }
    if (bytes > this.data.length) {
      const d = new Uint8Array(bytes);
      d.set(this.data.subarray(0, this.bytes));
      this.data = d;
    }
  }

  push(src: Uint8Array, s: number, e: number, quoted: boolean): void {
    this.reserve(e - s);
    const d = this.data;
    let b = this.bytes, high = 0;
    if (quoted) {
      for (let i = s; i < e; i++) {
        const c = src[i];
        d[b++] = c;
        high |= c;
        if (c === QUOTE && i + 1 < e && src[i + 1] === QUOTE) i++;
      }
    } else if (e - s <= 64) {
      // A byte loop: for short values it beats set(subarray()), whose view object costs more than the copy.
      for (let i = s; i < e; i++) {
        const c = src[i];
        d[b++] = c;
        high |= c;
      }
    } else {
      d.set(src.subarray(s, e), b);
      for (let i = s; i < e; i++) high |= src[i];
      b += e - s;
    }
    this.high |= high;
    this.bytes = b;
    this.offsets[++this.n] = b;
  }

  /** Empties the builder, keeping its memory. */
  reset(): void {
    this.n = 0;
    this.bytes = 0;
    this.high = 0;
  }

  /** Bytes of value i, for callers that look at what they pushed. */
  view(): { data: Uint8Array; offsets: Int32Array } {
    return { data: this.data, offsets: this.offsets };
  }

  /** Whether some byte is not ASCII. */
  get nonAscii(): boolean {
    return (this.high & 0x80) !== 0;
  }

  /** Builders' contents one after the other (byte ranges of one file read apart). */
  static join(parts: Array<{ offsets: Int32Array; data: Uint8Array; nonAscii: boolean }>): BytesBuilder {
    const b = new BytesBuilder();
    let n = 0, bytes = 0;
    for (const p of parts) { n += p.offsets.length - 1; bytes += p.data.length; }
    b.offsets = new Int32Array(n + 2);
    b.data = new Uint8Array(bytes + 1);
    for (const p of parts) {
      const m = p.offsets.length - 1;
      for (let i = 1; i <= m; i++) b.offsets[b.n + i] = p.offsets[i] + b.bytes;
      b.data.set(p.data, b.bytes);
      b.n += m;
      b.bytes += p.data.length;
      if (p.nonAscii) b.high = 0x80;
    }
    return b;
  }

  finish(): TextColumn {
    return new TextColumn(fit(this.offsets, this.n + 1), fit(this.data, this.bytes));
  }

  /** The values as strings; pure ASCII is decoded once and sliced. */
  strings(): string[] {
    const n = this.n, o = this.offsets;
    const out = new Array<string>(n);
    if ((this.high & 0x80) === 0) {
      const all = Buffer.from(this.data.buffer, this.data.byteOffset, this.bytes).toString('latin1');
      for (let i = 0; i < n; i++) out[i] = all.slice(o[i], o[i + 1]);
    } else {
      const dec = new TextDecoder();
      for (let i = 0; i < n; i++) out[i] = dec.decode(this.data.subarray(o[i], o[i + 1]));
    }
    return out;
  }
}

/**
 * The first n values: a view when they fill the array to within an eighth
 * (no copy of a column sized ahead), a copy otherwise (no memory held idle).
 */
function fit<T extends Int32Array | Uint8Array | Float64Array>(a: T, n: number): T {
  return (n >= a.length - (a.length >> 3) ? a.subarray(0, n) : a.slice(0, n)) as T;
}

export class Float64Builder {
  private a: Float64Array;
  length = 0;

  constructor(capacity = 1 << 16) {
    this.a = new Float64Array(capacity);
  }

  push(v: number): void {
    if (this.length === this.a.length) this.reserveTotal(this.a.length * 2);
    this.a[this.length++] = v;
  }

  /** Room for n values in all. */
  reserveTotal(n: number): void {
    if (n <= this.a.length) return;
    const b = new Float64Array(n);
    b.set(this.a.subarray(0, this.length));
    this.a = b;
  }

  finish(): Float64Array {
    return fit(this.a, this.length);
  }

  /** The values pushed so far, as a view (valid until the next push or reset). */
  view(): Float64Array {
    return this.a.subarray(0, this.length);
  }

  /** Empties the builder, keeping its memory. */
  reset(): void {
    this.length = 0;
  }
}
