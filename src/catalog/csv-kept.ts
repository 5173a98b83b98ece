// Kept columns of a CSV catalog, typed from their values while they are read
// (one parse per field; the type is settled at the end), and joined across
// the blocks that threads read apart.

import { BytesBuilder } from './csv-columns.js';
import { parseDecimal, parseNumberField } from './csv-parse.js';
import type { Column } from './table.js';
import type { TextColumn } from './text.js';

const SPACE = 32, TAB = 9;

function isWord(d: Uint8Array, s: number, e: number, word: string): boolean {
  if (e - s !== word.length) return false;
  for (let i = 0; i < word.length; i++) if ((d[s + i] | 32) !== word.charCodeAt(i)) return false;
  return true;
}

function isIntegerText(d: Uint8Array, s: number, e: number): boolean {
  if (d[s] === 45 || d[s] === 43) s++;
  if (s === e) return false;
  for (let i = s; i < e; i++) if (d[i] < 48 || d[i] > 57) return false;
  return true;
}

const INT64_MIN = -(2n ** 63n), INT64_MAX = 2n ** 63n - 1n;

/**
 * A kept column, typed from its values: bool when every value is true/false
 * (any case); int32 when every value is an integer that fits; int64 for
 * larger integers; float64 for any numbers (NaN, inf and Infinity words
 * included); else utf8. Empty fields are nulls (`valid` 0) and do not vote.
 */
/** A KeptColumnBuilder's state as plain arrays and flags (sent between threads). */
export interface KeptParts {
  offsets: Int32Array;
  data: Uint8Array;
  nonAscii: boolean;
  nums: Float64Array | null;
  valid: Uint8Array;
  nulls: number;
  flags: { isNum: boolean; isInt: boolean; fits32: boolean; longInts: boolean; isBool: boolean };
}

export class KeptColumnBuilder {
  private text = new BytesBuilder();
  private nums: Float64Array | null = new Float64Array(1 << 12);
  private valid = new Uint8Array(1 << 12);
  private nulls = 0;
  private isNum = true;
  private isInt = true;
  private fits32 = true;
  /** Some integer has more than 15 digits: int64 values come from the text, not the double. */
  private longInts = false;
  private isBool = true;

  constructor(readonly name: string) {}

  /** A CSV field: an unquoted one loses its outer blanks, a quoted one its doubled quotes. */
  push(src: Uint8Array, s: number, e: number, quoted: boolean): void {
    if (!quoted) {
      while (s < e && (src[s] === SPACE || src[s] === TAB)) s++;
      while (e > s && (src[e - 1] === SPACE || src[e - 1] === TAB)) e--;
    }
    this.add(src, s, e, quoted);
  }

  /** A value exactly as given (a string from a file of another format); empty means null. */
  pushString(v: string): void {
    const b = Buffer.from(v, 'utf8');
    this.add(b, 0, b.length, false);
  }

  private add(src: Uint8Array, s: number, e: number, unquote: boolean): void {
    const i = this.text.length;
    if (i === this.valid.length) {
      const v = new Uint8Array(i * 2); v.set(this.valid); this.valid = v;
      if (this.nums) { const a = new Float64Array(i * 2); a.set(this.nums); this.nums = a; }
    }
    this.text.push(src, s, e, unquote);
    if (s === e) { this.nulls++; return; }
    this.valid[i] = 1;
    if (this.isNum) this.voteNumber(src, s, e, i);
    if (this.isBool && !isWord(src, s, e, 'true') && !isWord(src, s, e, 'false')) this.isBool = false;
  }

  private voteNumber(src: Uint8Array, s: number, e: number, i: number): void {
    const nums = this.nums!;
    const v = parseDecimal(src, s, e);
    if (v === v) {
      nums[i] = v;
      if (!this.isInt) return;
      if (!isIntegerText(src, s, e)) { this.isInt = false; return; }
      if (v < -2147483648 || v > 2147483647) this.fits32 = false;
      if (e - s > 15) this.longInts = true;
      return;
    }
    const w = parseNumberField(src, s, e);
    if (w === undefined) {
      this.isNum = false;
      this.nums = null;
    } else {
      nums[i] = w;
      this.isInt = false;
    }
  }

  parts(): KeptParts {
    const n = this.text.length;
    const t = this.text.finish();
    return {
      offsets: t.offsets, data: t.data, nonAscii: this.text.nonAscii,
      nums: this.nums ? this.nums.slice(0, n) : null, valid: this.valid.slice(0, n), nulls: this.nulls,
      flags: { isNum: this.isNum, isInt: this.isInt, fits32: this.fits32, longInts: this.longInts, isBool: this.isBool },
    };
  }

  /** The builders of consecutive byte ranges as one: values in order, the type voted over all. */
  static join(name: string, parts: KeptParts[]): KeptColumnBuilder {
    const k = new KeptColumnBuilder(name);
    k.text = BytesBuilder.join(parts);
    const n = k.text.length;
    k.valid = new Uint8Array(n + 1);
    k.isNum = parts.every((p) => p.flags.isNum && p.nums);
    k.nums = k.isNum ? new Float64Array(n + 1) : null;
    let at = 0;
    for (const p of parts) {
      k.valid.set(p.valid, at);
      if (k.nums) k.nums.set(p.nums!, at);
      at += p.valid.length;
      k.nulls += p.nulls;
      k.isInt &&= p.flags.isInt;
      k.fits32 &&= p.flags.fits32;
      k.longInts ||= p.flags.longInts;
      k.isBool &&= p.flags.isBool;
    }
    return k;
  }

  finish(): Column {
    const n = this.text.length, name = this.name;
    const valid = this.nulls > 0 ? this.valid.slice(0, n) : undefined;
    const present = n - this.nulls;
    const { data, offsets } = this.text.view();
    if (present === 0) return { name, type: 'utf8', values: new Array<string>(n).fill(''), valid };
    if (this.isBool) {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) if (this.valid[i] && (data[offsets[i]] | 32) === 116) out[i] = 1;
      return { name, type: 'bool', values: out, valid };
    }
    const nums = this.nums;
    if (this.isNum && nums) {
      if (this.isInt && this.fits32) {
        const out = new Int32Array(n);
        for (let i = 0; i < n; i++) if (this.valid[i]) out[i] = nums[i];
        return { name, type: 'int32', values: out, valid };
      }
      if (this.isInt) {
        const out = this.int64(n, data, offsets, nums);
        if (out) return { name, type: 'int64', values: out, valid };
      }
      const out = nums.slice(0, n);
      if (valid) for (let i = 0; i < n; i++) if (!valid[i]) out[i] = NaN;
      return { name, type: 'float64', values: out, valid };
    }
    return { name, type: 'utf8', values: this.text.strings(), valid };
  }

  /** The integers as int64, or null when one lies outside its range (the column is then float64). */
  private int64(n: number, data: Uint8Array, offsets: Int32Array, nums: Float64Array): BigInt64Array | null {
    const out = new BigInt64Array(n);
    const dec = new TextDecoder();
    for (let i = 0; i < n; i++) {
      if (!this.valid[i]) continue;
      if (!this.longInts) { out[i] = BigInt(nums[i]); continue; }
      const big = BigInt(dec.decode(data.subarray(offsets[i], offsets[i + 1])));
      if (big < INT64_MIN || big > INT64_MAX) return null;
      out[i] = big;
    }
    return out;
  }
}

/** A column typed from texts (values that came as strings: Arrow, Parquet text...). */
export function typeColumn(name: string, values: readonly string[]): Column {
  const b = new KeptColumnBuilder(name);
  for (const v of values) b.pushString(v);
  return b.finish();
}

/** A column typed from texts held as UTF-8 bytes. */
export function typeTextColumn(name: string, col: TextColumn): Column {
  const b = new KeptColumnBuilder(name);
  const o = col.offsets;
  for (let i = 0; i < col.length; i++) b.push(col.data, o[i], o[i + 1], false);
  return b.finish();
}
