// Catalog ingest from CSV or gzip CSV (detected by magic bytes), streamed in
// chunks and parsed at the byte level. Bad rows are never dropped silently:
// each one is reported with file, line, column and reason; by default reading
// stops at the 20th and throws, with onBad 'skip' they are all returned.

import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { fieldText, newSpans, parseDecimal, scanRecord } from './csv-parse.js';
import type { Column, ColumnTable } from './table.js';
import { TextBuilder, TextColumn } from './text.js';

export interface BadRow {
  file: string;
  /** Physical line in the file, 1-based; the header is line 1. */
  line: number;
  column: string;
  value: string;
  reason: string;
}

export class CatalogInputError extends Error {
  constructor(readonly file: string, readonly bad: BadRow[], message?: string) {
    super(message ?? `${file}: ${bad.length} bad row${bad.length === 1 ? '' : 's'}:\n${bad.map(formatBadRow).join('\n')}`);
    this.name = 'CatalogInputError';
  }
}

export function formatBadRow(b: BadRow): string {
  return `${b.file}:${b.line}: column '${b.column}': ${b.reason}`;
}

export interface ReadOptions {
  idCol?: string;
  raCol?: string;
  decCol?: string;
  /** Extra columns to keep, typed from their values. */
  keep?: readonly string[];
  /** 'fail' (default): throw after the first maxErrors bad rows; 'skip': return them all in `bad`. */
  onBad?: 'fail' | 'skip';
  maxErrors?: number;
  onProgress?: (rows: number, bytes: number) => void;
}

export interface PositionTable {
  /** Ids exactly as read (outer blanks trimmed), as UTF-8 bytes. */
  ids: TextColumn;
  ra: Float64Array;
  dec: Float64Array;
  extra: ColumnTable;
  rows: number;
  bad: BadRow[];
}

async function isGzip(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await fh.read(b, 0, 2, 0);
    return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

class Growable {
  a = new Float64Array(1 << 16);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  take(): Float64Array {
    return this.a.slice(0, this.n);
  }
}

function fmt(v: number): string {
  return Number.isNaN(v) ? 'NaN' : String(v);
}

/** Reads id, ra, dec (and kept columns) from a CSV or CSV.gz file. */
export async function readCatalogCsv(file: string, opts: ReadOptions = {}): Promise<PositionTable> {
  const idCol = opts.idCol ?? 'id', raCol = opts.raCol ?? 'ra', decCol = opts.decCol ?? 'dec';
  const keep = opts.keep ?? [];
  const onBad = opts.onBad ?? 'fail';
  const maxErrors = opts.maxErrors ?? 20;
  let stream: AsyncIterable<Buffer> = createReadStream(file, { highWaterMark: 1 << 20 });
  if (await isGzip(file)) stream = (stream as NodeJS.ReadableStream).pipe(createGunzip({ chunkSize: 1 << 20 })) as unknown as AsyncIterable<Buffer>;

  const spans = newSpans();
  const lines = { extra: 0 };
  const ids = new TextBuilder(1 << 16);
  const ra = new Growable(), dec = new Growable();
  const raw = keep.map(() => new TextBuilder(1 << 16));
  const bad: BadRow[] = [];
  let header: string[] | null = null;
  let iId = -1, iRa = -1, iDec = -1;
  let keepIdx: number[] = [];
  let line = 0;
  let rows = 0;
  let bytes = 0;
  let pending: Buffer | null = null;
  let stop = false;

  const report = (column: string, value: string, reason: string): void => {
    bad.push({ file, line, column, value, reason });
    if (onBad === 'fail' && bad.length >= maxErrors) stop = true;
  };

  const handle = (buf: Uint8Array): void => {
    const n = spans.count;
    if (!header) {
      header = Array.from({ length: n }, (_, k) => fieldText(buf, spans, k).trim().replace(/^\ufeff/, ''));
      const find = (name: string, what: string): number => {
        const i = header!.indexOf(name);
        if (i < 0) {
          throw new CatalogInputError(file, [], `${file}:1: missing ${what} column '${name}' in the header (columns: ${header!.join(', ')})`);
        }
        return i;
      };
      iId = find(idCol, 'id');
      iRa = find(raCol, 'ra');
      iDec = find(decCol, 'dec');
      keepIdx = keep.map((c) => find(c, 'kept'));
      return;
    }
    if (n === 1 && spans.starts[0] === spans.ends[0]) return; // empty line
    if (n !== header.length) {
      report(n < header.length ? header[n] ?? header[header.length - 1] : header[header.length - 1], '',
        `expected ${header.length} fields, found ${n}`);
      return;
    }
    ids.pushBytes(buf, spans.starts[iId], spans.ends[iId], spans.quoted[iId] === 1, true);
    if (ids.lastLength() === 0) {
      ids.pop();
      report(idCol, '', 'missing id');
      return;
    }
    let r = parseDecimal(buf, spans.starts[iRa], spans.ends[iRa]);
    const d = parseDecimal(buf, spans.starts[iDec], spans.ends[iDec]);
    if (!Number.isFinite(r) || !(d >= -90 && d <= 90)) ids.pop();
    if (!Number.isFinite(r)) {
      const v = fieldText(buf, spans, iRa);
      report(raCol, v, v.trim() === '' ? 'missing ra' : `ra must be a finite number of degrees, got '${v}'`);
      return;
    }
    if (!(d >= -90 && d <= 90)) {
      const v = fieldText(buf, spans, iDec);
      report(decCol, v, v.trim() === '' ? 'missing dec' : Number.isNaN(d) ? `dec must be a number of degrees, got '${v}'` : `dec must be in [-90, 90], got ${fmt(d)}`);
      return;
    }
    // RA outside [0, 360) is a valid angle: folded, not rejected.
    if (!(r >= 0 && r < 360)) {
      r %= 360;
      if (r < 0) r += 360;
      if (r >= 360) r = 0;
    }
    ra.push(r);
    dec.push(d);
    for (let k = 0; k < keepIdx.length; k++) raw[k].pushBytes(buf, spans.starts[keepIdx[k]], spans.ends[keepIdx[k]], spans.quoted[keepIdx[k]] === 1);
    rows++;
    if (opts.onProgress && rows % 100_000 === 0) opts.onProgress(rows, bytes);
  };

  for await (const chunk of stream) {
    bytes += chunk.length;
    let buf: Buffer = pending ? Buffer.concat([pending, chunk]) : chunk;
    pending = null;
    let pos = 0;
    while (pos < buf.length && !stop) {
      let next: number;
      try {
        next = scanRecord(buf, pos, buf.length, spans, false, lines);
      } catch (err) {
        line++;
        report(header?.[0] ?? idCol, '', (err as Error).message);
        next = skipLine(buf, pos);
        if (next < 0) break;
        pos = next;
        continue;
      }
      if (next < 0) break;
      line++;
      handle(buf);
      line += lines.extra;
      pos = next;
    }
    if (stop) break;
    if (pos < buf.length) pending = buf.subarray(pos);
    buf = Buffer.alloc(0);
  }
  if (!stop && pending && pending.length > 0) {
    try {
      const next = scanRecord(pending, 0, pending.length, spans, true, lines);
      if (next >= 0) {
        line++;
        handle(pending);
      }
    } catch (err) {
      line++;
      report(header?.[0] ?? idCol, '', (err as Error).message);
    }
  }
  if (!header) throw new CatalogInputError(file, [], `${file}: empty file, expected a header with ${idCol},${raCol},${decCol}`);
  if (bad.length > 0 && onBad === 'fail') throw new CatalogInputError(file, bad.slice(0, maxErrors));
  opts.onProgress?.(rows, bytes);
  return {
    ids: ids.finish(),
    ra: ra.take(),
    dec: dec.take(),
    extra: { length: rows, columns: keep.map((name, k) => typeTextColumn(name, raw[k].finish())) },
    rows,
    bad,
  };
}

function skipLine(buf: Uint8Array, pos: number): number {
  for (let i = pos; i < buf.length; i++) if (buf[i] === 10) return i + 1;
  return -1;
}

const INT = /^[+-]?\d+$/;
const BOOL = /^(true|false)$/i;

/** A kept column typed from its text values: int32, int64, float64, bool or utf8; empty = null. */
export function typeColumn(name: string, values: readonly string[]): Column {
  const n = values.length;
  let allInt = true, allNum = true, allBool = true, anyNull = false, fits32 = true;
  for (const raw of values) {
    const v = raw.trim();
    if (v === '') { anyNull = true; continue; }
    if (allBool && !BOOL.test(v)) allBool = false;
    if (allInt && !INT.test(v)) allInt = false;
    if (allInt && fits32) {
      const x = Number(v);
      if (x < -2147483648 || x > 2147483647) fits32 = false;
    }
    if (!allInt && allNum && !Number.isFinite(Number(v))) allNum = false;
    if (!allBool && !allNum) break;
  }
  const valid = anyNull ? Uint8Array.from(values, (v) => (v.trim() === '' ? 0 : 1)) : undefined;
  const nonEmpty = values.some((v) => v.trim() !== '');
  if (!nonEmpty) return { name, type: 'utf8', values: values.slice(), valid };
  if (allBool) return { name, type: 'bool', values: Uint8Array.from(values, (v) => (v.trim().toLowerCase() === 'true' ? 1 : 0)), valid };
  if (allInt && fits32) return { name, type: 'int32', values: Int32Array.from(values, (v) => (v.trim() === '' ? 0 : Number(v))), valid };
  if (allInt) {
    try {
      const out = new BigInt64Array(n);
      values.forEach((v, i) => { out[i] = v.trim() === '' ? 0n : BigInt(v.trim()); });
      if (values.every((v) => v.trim() === '' || BigInt.asIntN(64, BigInt(v.trim())) === BigInt(v.trim()))) {
        return { name, type: 'int64', values: out, valid };
      }
    } catch { /* falls through to float64 or utf8 */ }
  }
  if (allNum) return { name, type: 'float64', values: Float64Array.from(values, (v) => (v.trim() === '' ? NaN : Number(v))), valid };
  return { name, type: 'utf8', values: values.slice(), valid };
}

const TRUE = [116, 114, 117, 101], FALSE = [102, 97, 108, 115, 101];

function isWord(d: Uint8Array, s: number, e: number, word: number[]): boolean {
  if (e - s !== word.length) return false;
  for (let i = 0; i < word.length; i++) if ((d[s + i] | 32) !== word[i]) return false;
  return true;
}

/**
 * typeColumn for texts held as bytes: numbers are parsed straight from the
 * bytes, and strings are only made when the column turns out to be text.
 */
export function typeTextColumn(name: string, col: TextColumn): Column {
  const n = col.length, d = col.data, o = col.offsets;
  const nums = new Float64Array(n);
  let allNum = true, allInt = true, allBool = true, anyNull = false, nonEmpty = false, fits32 = true;
  const valid = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let s = o[i], e = o[i + 1];
    while (s < e && (d[s] === 32 || d[s] === 9)) s++;
    while (e > s && (d[e - 1] === 32 || d[e - 1] === 9)) e--;
    if (s === e) { anyNull = true; continue; }
    valid[i] = 1;
    nonEmpty = true;
    if (allBool && !isWord(d, s, e, TRUE) && !isWord(d, s, e, FALSE)) allBool = false;
    if (allNum) {
      const v = parseDecimal(d, s, e);
      if (Number.isNaN(v)) { allNum = false; allInt = false; }
      else {
        nums[i] = v;
        if (allInt) {
          for (let k = s; k < e; k++) {
            const c = d[k];
            if (!((c >= 48 && c <= 57) || ((c === 45 || c === 43) && k === s))) { allInt = false; break; }
          }
          if (allInt && (v < -2147483648 || v > 2147483647)) fits32 = false;
        }
      }
    }
    if (!allNum && !allBool) break;
  }
  const v = anyNull ? valid : undefined;
  if (!nonEmpty) return { name, type: 'utf8', values: col.toArray(), valid: v };
  if (allBool) return { name, type: 'bool', values: Uint8Array.from({ length: n }, (_, i) => (valid[i] && d[o[i]] !== undefined && isWord(d, o[i], o[i + 1], TRUE) ? 1 : 0)), valid: v };
  if (allNum && allInt && fits32) return { name, type: 'int32', values: Int32Array.from(nums), valid: v };
  if (allNum && allInt) return typeColumn(name, col.toArray());
  if (allNum) {
    if (anyNull) for (let i = 0; i < n; i++) if (!valid[i]) nums[i] = NaN;
    return { name, type: 'float64', values: nums, valid: v };
  }
  return { name, type: 'utf8', values: col.toArray(), valid: v };
}
