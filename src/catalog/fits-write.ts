// Writes a column table as a FITS file: an empty primary HDU and one
// BINTABLE, produced in chunks of rows (a file is written as they come, the
// service streams them). float64 -> D, int32 -> J, int64 -> K (TNULL for
// nulls), bool -> L, text -> nA (n = longest value in bytes). Text columns
// named as integer ids whose every value is an integer are written as K, or
// as K with TZERO = 2^63 (unsigned) when a value passes 2^63 - 1, so ids
// beyond 2^53 stay exact numbers for TOPCAT and astropy.

import { closeSync, openSync, writeSync } from 'node:fs';
import { card, headerBytes, BLOCK } from './fits-header.js';
import { checkTable, type Column, type ColumnTable } from './table.js';

export interface FitsWriteOptions {
  /** Units (TUNIT) by column name. */
  units?: Record<string, string>;
  /** Text columns to write as 64-bit integers when every value is one. */
  integerColumns?: readonly string[];
  /** EXTNAME of the table. */
  extname?: string;
}

const TWO63 = 2n ** 63n, TWO64 = 2n ** 64n, INT64_MIN = -TWO63;
const INTEGER = /^[+-]?\d+$/;

interface Plan {
  col: Column;
  form: string;
  width: number;
  tnull?: bigint;
  tzero?: bigint;
  /** For text written as integers: the raw 64-bit values. */
  ints?: BigInt64Array;
  /** For text: the UTF-8 bytes of each value. */
  bytes?: Buffer[];
}

/** How a text column of ids is written: as integers when each value is one that fits 64 bits. */
function integerPlan(col: Column): Plan | null {
  const v = col.values as string[], n = v.length, valid = col.valid;
  let min = 0n, max = 0n, any = false;
  const vals = new Array<bigint>(n);
  for (let i = 0; i < n; i++) {
    if (valid && !valid[i]) continue;
    if (!INTEGER.test(v[i])) return null;
    const b = BigInt(v[i]);
    if (b < INT64_MIN || b >= TWO64) return null;
    vals[i] = b;
    if (!any || b < min) min = b;
    if (!any || b > max) max = b;
    any = true;
  }
  if (min < 0n && max >= TWO63) return null;
  const unsigned = max >= TWO63;
  const ints = new BigInt64Array(n);
  const nullRaw = unsigned ? INT64_MIN : INT64_MIN; // raw -2^63: 0 unsigned, or the signed minimum
  let hasNull = false;
  for (let i = 0; i < n; i++) {
    if (valid && !valid[i]) { ints[i] = nullRaw; hasNull = true; continue; }
    ints[i] = unsigned ? BigInt.asIntN(64, vals[i] - TWO63) : vals[i];
  }
  return { col, form: '1K', width: 8, ints, ...(unsigned ? { tzero: TWO63 } : {}), ...(hasNull ? { tnull: nullRaw } : {}) };
}

function planOf(col: Column, asInteger: boolean): Plan {
  switch (col.type) {
    case 'float64': return { col, form: '1D', width: 8 };
    case 'int32': return { col, form: '1J', width: 4, ...(col.valid ? { tnull: -2147483648n } : {}) };
    case 'int64': return { col, form: '1K', width: 8, ...(col.valid ? { tnull: INT64_MIN } : {}) };
    case 'bool': return { col, form: '1L', width: 1 };
    case 'utf8': {
      if (asInteger) {
        const p = integerPlan(col);
        if (p) return p;
      }
      const bytes = (col.values as string[]).map((s, i) => Buffer.from(col.valid && !col.valid[i] ? '' : s, 'utf8'));
      const w = Math.max(1, ...bytes.map((b) => b.length));
      return { col, form: `${w}A`, width: w, bytes };
    }
  }
}

/** The bytes of the FITS file, in order: headers, then chunks of rows, then the padding. */
export function* fitsChunks(table: ColumnTable, opts: FitsWriteOptions = {}): Generator<Uint8Array> {
  checkTable(table);
  const ints = new Set(opts.integerColumns ?? []);
  const plans = table.columns.map((c) => planOf(c, ints.has(c.name)));
  const rowBytes = plans.reduce((s, p) => s + p.width, 0);
  const n = table.length;
  yield headerBytes([card('SIMPLE', true, 'conforms to FITS standard'), card('BITPIX', 8), card('NAXIS', 0), card('EXTEND', true)]);
  const cards = [
    card('XTENSION', 'BINTABLE', 'binary table extension'), card('BITPIX', 8), card('NAXIS', 2),
    card('NAXIS1', rowBytes, 'bytes per row'), card('NAXIS2', n, 'rows'), card('PCOUNT', 0), card('GCOUNT', 1),
    card('TFIELDS', plans.length),
  ];
  plans.forEach((p, k) => {
    const i = k + 1;
    cards.push(card(`TTYPE${i}`, p.col.name), card(`TFORM${i}`, p.form));
    const unit = opts.units?.[p.col.name];
    if (unit) cards.push(card(`TUNIT${i}`, unit));
    if (p.tnull !== undefined) cards.push(card(`TNULL${i}`, p.tnull));
    if (p.tzero !== undefined) cards.push(card(`TSCAL${i}`, 1), card(`TZERO${i}`, p.tzero));
  });
  if (opts.extname) cards.push(card('EXTNAME', opts.extname));
  cards.push(card('ORIGIN', 'skyjoin'));
  yield headerBytes(cards);
  const perChunk = Math.max(1, Math.floor((1 << 22) / Math.max(1, rowBytes)));
  for (let r0 = 0; r0 < n; r0 += perChunk) {
    const k = Math.min(perChunk, n - r0);
    const buf = Buffer.alloc(k * rowBytes);
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let off = 0;
    for (const p of plans) {
      const c = p.col, valid = c.valid, w = p.width;
      for (let i = 0; i < k; i++) {
        const row = r0 + i, at = i * rowBytes + off;
        const ok = !valid || valid[row] === 1;
        switch (p.form) {
          case '1D': dv.setFloat64(at, ok ? (c.values as Float64Array)[row] : NaN, false); break;
          case '1J': dv.setInt32(at, ok ? (c.values as Int32Array)[row] : -2147483648, false); break;
          case '1K': dv.setBigInt64(at, p.ints ? p.ints[row] : ok ? (c.values as BigInt64Array)[row] : INT64_MIN, false); break;
          case '1L': buf[at] = ok ? ((c.values as Uint8Array)[row] ? 84 : 70) : 0; break;
          default: {
            const b = p.bytes![row];
            b.copy(buf, at);
            buf.fill(32, at + b.length, at + w);
          }
        }
      }
      off += w;
    }
    yield buf;
  }
  const pad = (BLOCK - ((n * rowBytes) % BLOCK)) % BLOCK;
  if (pad) yield Buffer.alloc(pad);
}

/** Writes the table as a FITS file (synchronously, chunk by chunk). */
export function writeFitsTable(file: string, table: ColumnTable, opts: FitsWriteOptions = {}): void {
  const fd = openSync(file, 'w');
  try {
    for (const chunk of fitsChunks(table, opts)) {
      let off = 0;
      while (off < chunk.byteLength) off += writeSync(fd, chunk, off, chunk.byteLength - off);
    }
  } finally {
    closeSync(fd);
  }
}
