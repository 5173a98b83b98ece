// A column of texts held as UTF-8 bytes plus offsets (Arrow's Utf8 layout):
// reading a million ids makes no million JavaScript strings, and the column
// goes into an Arrow file, or comes out of a mapped one, without conversion.

const decoder = new TextDecoder();
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice: (this: Uint8Array, s: number, e: number) => string }).latin1Slice;
const encoder = new TextEncoder();

// A process can hold two copies of this class: skyjoin's ESM build and its
// CommonJS build (an ESM program that also uses a CommonJS package built on
// skyjoin). A brand shared through the global symbol registry makes
// `instanceof TextColumn` true for columns of either copy.
const BRAND = Symbol.for('skyjoin.TextColumn');

export class TextColumn {
  static [Symbol.hasInstance](v: unknown): v is TextColumn {
    return typeof v === 'object' && v !== null && (v as { [BRAND]?: boolean })[BRAND] === true;
  }

  constructor(
    /** offsets[i] .. offsets[i + 1] are the bytes of value i. */
    readonly offsets: Int32Array,
    readonly data: Uint8Array,
  ) {}

  get length(): number {
    return this.offsets.length - 1;
  }

  get(i: number): string {
    const s = this.offsets[i], e = this.offsets[i + 1], d = this.data;
    // ASCII (most ids) is its own Latin-1: Buffer's latin1Slice makes the
    // string several times quicker than a TextDecoder call per value.
    let ascii = true;
    for (let k = s; k < e; k++) if (d[k] > 127) { ascii = false; break; }
    return ascii ? latin1Slice.call(d, s, e) : decoder.decode(d.subarray(s, e));
  }

  toArray(): string[] {
    return Array.from({ length: this.length }, (_, i) => this.get(i));
  }

  static fromStrings(values: readonly string[]): TextColumn {
    const b = new TextBuilder(values.length);
    for (const v of values) b.pushString(v);
    return b.finish();
  }

  /** Values in the given order. */
  take(order: ArrayLike<number>): TextColumn {
    const n = order.length;
    const offsets = new Int32Array(n + 1);
    let total = 0;
    for (let k = 0; k < n; k++) {
      total += this.offsets[order[k] + 1] - this.offsets[order[k]];
      offsets[k + 1] = total;
    }
    const data = new Uint8Array(total);
    for (let k = 0; k < n; k++) {
      const i = order[k];
      data.set(this.data.subarray(this.offsets[i], this.offsets[i + 1]), offsets[k]);
    }
    return new TextColumn(offsets, data);
  }
}
Object.defineProperty(TextColumn.prototype, BRAND, { value: true });

/** Appends texts (as bytes or strings) into one growing buffer. */
export class TextBuilder {
  private offsets: Int32Array;
  private data: Uint8Array;
  private n = 0;
  private bytes = 0;

  constructor(capacity = 1024) {
    this.offsets = new Int32Array(capacity + 1);
    this.data = new Uint8Array(capacity * 8);
  }

  get length(): number {
    return this.n;
  }

  /** Byte length of the last value pushed. */
  lastLength(): number {
    return this.offsets[this.n] - this.offsets[this.n - 1];
  }

  /** Drops the last value pushed. */
  pop(): void {
    this.bytes = this.offsets[--this.n];
  }

  private reserve(extra: number): void {
    if (this.n + 1 >= this.offsets.length) {
      const o = new Int32Array(this.offsets.length * 2);
      o.set(this.offsets);
      this.offsets = o;
    }
    if (this.bytes + extra > this.data.length) {
      const d = new Uint8Array(Math.max(this.data.length * 2, this.bytes + extra));
      d.set(this.data.subarray(0, this.bytes));
      this.data = d;
    }
  }

  /** Appends src[s, e); with unquote, a doubled quote becomes one (CSV); with trim, outer blanks go. */
  pushBytes(src: Uint8Array, s: number, e: number, unquote = false, trim = false): void {
    if (trim) {
      while (s < e && (src[s] === 32 || src[s] === 9)) s++;
      while (e > s && (src[e - 1] === 32 || src[e - 1] === 9)) e--;
    }
    this.reserve(e - s);
    if (unquote) {
      for (let i = s; i < e; i++) {
        this.data[this.bytes++] = src[i];
        if (src[i] === 34 && i + 1 < e && src[i + 1] === 34) i++;
      }
    } else {
      this.data.set(src.subarray(s, e), this.bytes);
      this.bytes += e - s;
    }
    this.offsets[++this.n] = this.bytes;
  }

  pushString(v: string): void {
    this.reserve(v.length * 3);
    const { written } = encoder.encodeInto(v, this.data.subarray(this.bytes));
    this.bytes += written;
    this.offsets[++this.n] = this.bytes;
  }

  finish(): TextColumn {
    return new TextColumn(this.offsets.slice(0, this.n + 1), this.data.slice(0, this.bytes));
  }
}
