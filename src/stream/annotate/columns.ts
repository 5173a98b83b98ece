// Whole-column reads of a mapped catalog, done once when an annotator is set
// up: numeric columns as Float64Array (NaN for null), and the longest value
// of a text column (to leave long ones out of the default annotation columns).

import * as A from 'apache-arrow';
import type { ArrowCatalog } from '../../catalog/arrow-catalog.js';

function isNull(d: A.Data, i: number): boolean {
  const bm = d.nullBitmap;
  if (!bm || d.nullCount === 0) return false;
  const j = d.offset + i;
  return (bm[j >> 3] & (1 << (j & 7))) === 0;
}

/** A float or int column as float64, NaN where null; reads the mapped chunks directly. */
export function numericColumn(cat: ArrowCatalog, name: string): Float64Array {
  const v = cat.column(name);
  if (!v) throw new RangeError(`catalog '${cat.name}' has no column '${name}'`);
  if (!A.DataType.isFloat(v.type) && !A.DataType.isInt(v.type)) {
    throw new TypeError(`catalog '${cat.name}' column '${name}' is ${String(v.type)}, not a number`);
  }
  const out = new Float64Array(cat.length);
  let at = 0;
  for (const d of v.data) {
    const vals = d.values as ArrayLike<number | bigint>;
    for (let i = 0; i < d.length; i++) out[at + i] = isNull(d, i) ? NaN : Number(vals[i]);
    at += d.length;
  }
  return out;
}

/** Longest value of a text column in bytes (0 for other types). */
export function maxTextBytes(cat: ArrowCatalog, name: string): number {
  const v = cat.column(name);
  if (!v || !(A.DataType.isUtf8(v.type) || A.DataType.isLargeUtf8(v.type))) return 0;
  let max = 0;
  for (const d of v.data) {
    const off = d.valueOffsets as ArrayLike<number | bigint>;
    for (let i = 0; i < d.length; i++) {
      const len = Number(off[i + 1]) - Number(off[i]);
      if (len > max) max = len;
    }
  }
  return max;
}
