// The rows of a CSV catalog once its header is known: id, ra, dec and the kept
// columns, checked and appended to growing columns; bad rows recorded with
// file, line, column and reason. One RowReader reads a whole file, or one
// byte range of it in a worker thread (csv-parallel.ts): its columns then
// travel as plain typed arrays (parts) and are joined in file order.

import { normalizeRa } from '../sky/angles.js';
import { BytesBuilder, Float64Builder } from './csv-columns.js';
import { KeptColumnBuilder, type KeptParts } from './csv-kept.js';
import { decReason, raReason, type BadRow } from './csv-errors.js';
import { fieldText, isBlank, parseDecimal, parseNumberField, type FieldSpans } from './csv-parse.js';
import { FAST_MORE, FAST_NO, recordPreview } from './csv-stream.js';
import { decimalOut, readDecimal } from './decimal.js';
import type { Column } from './table.js';
import { TextColumn } from './text.js';

/** Where the columns are, found from the header (plain data: it is sent to workers). */
export interface RowLayout {
  file: string;
  header: string[];
  iId: number;
  iRa: number;
  iDec: number;
  keptAt: number[];
  keep: string[];
  /** Stop at the maxErrors-th bad row (onBad 'fail'); otherwise collect them all. */
  failFast: boolean;
  maxErrors: number;
}

/** A RowReader's columns as transferable arrays. */
export interface RowParts {
  idOffsets: Int32Array;
  idData: Uint8Array;
  ra: Float64Array;
  dec: Float64Array;
  kept: KeptParts[];
  bad: BadRow[];
  rows: number;
}

const SAMPLE = 256;

export class RowReader {
  readonly ids = new BytesBuilder();
  readonly ra = new Float64Builder();
  readonly dec = new Float64Builder();
  kept: KeptColumnBuilder[];
  bad: BadRow[] = [];
  rows = 0;
  private readonly nFields: number;
  /** Record bytes of the first rows, to size the columns from bytesHint. */
  private sampled = 0;
  /** Where each field of the record being read by fast() starts and ends. */
  private readonly fieldStart: Int32Array;
  private readonly fieldEnd: Int32Array;

  /** bytesHint: the bytes of data this reader will see (0: unknown); the columns are sized from it once. */
  constructor(private readonly layout: RowLayout, private readonly bytesHint = 0) {
    this.kept = layout.keep.map((name) => new KeptColumnBuilder(name));
    this.nFields = layout.header.length;
    this.fieldStart = new Int32Array(this.nFields);
    this.fieldEnd = new Int32Array(this.nFields);
  }

  /** Counts the bytes of the first rows, then sizes the columns once. */
  private sample(recordBytes: number): void {
    if (this.rows >= SAMPLE || this.bytesHint === 0) return;
    this.sampled += recordBytes;
    if (this.rows === SAMPLE - 1) this.presize();
  }

  /** After SAMPLE rows: every column grown once to the rows the rest of the data should hold (+6%). */
  private presize(): void {
    const perRow = this.sampled / SAMPLE;
    const rows = Math.ceil((this.bytesHint / perRow) * 1.06) + 1024;
    this.ra.reserveTotal(rows);
    this.dec.reserveTotal(rows);
    const idBytes = this.ids.view().offsets[this.rows];
    this.ids.reserveTotal(rows, Math.ceil((idBytes / SAMPLE) * rows * 1.06) + 4096);
  }

  /** Records a bad row; true when reading should stop. */
  private reject(line: number, column: string, value: string, reason: string): boolean {
    const { file, failFast, maxErrors } = this.layout;
    this.bad.push({ file, line, column, value, reason });
    return failFast && this.bad.length >= maxErrors;
  }

  /** One data record; true when reading should stop. */
  record(buf: Uint8Array, spans: FieldSpans, line: number): boolean {
    const { starts, ends, quoted } = spans;
    const { header, iId, iRa, iDec, keptAt } = this.layout;
    const n = spans.count, nFields = this.nFields;
    this.sample(ends[n - 1] - starts[0] + 2);
    if (n !== nFields) {
      if (n === 1 && isBlank(buf, starts[0], ends[0]) && quoted[0] === 0) return false;
      const column = n < nFields ? header[n] : header[nFields - 1];
      return this.reject(line, column, recordPreview(buf, starts[0] - quoted[0], buf.length), `expected ${nFields} fields, found ${n}`);
    }
    let s = starts[iId], e = ends[iId];
    if (!quoted[iId]) {
      while (s < e && (buf[s] === 32 || buf[s] === 9)) s++;
      while (e > s && (buf[e - 1] === 32 || buf[e - 1] === 9)) e--;
    }
    if (s === e) return this.reject(line, header[iId], '', 'missing id');
    const r = parseDecimal(buf, starts[iRa], ends[iRa]);
    if (!(r - r === 0)) return this.reject(line, header[iRa], fieldText(buf, spans, iRa), raProblem(buf, spans, iRa));
    const d = parseDecimal(buf, starts[iDec], ends[iDec]);
    if (!(d >= -90 && d <= 90)) return this.reject(line, header[iDec], fieldText(buf, spans, iDec), decProblem(buf, spans, iDec, d));
    this.ids.push(buf, s, e, quoted[iId] === 1);
    this.ra.push(normalizeRa(r));
    this.dec.push(d);
    const kept = this.kept;
    for (let k = 0; k < kept.length; k++) {
      const j = keptAt[k];
      kept[k].push(buf, starts[j], ends[j], quoted[j] === 1);
    }
    this.rows++;
    return false;
  }

  /**
   * A plain record (no quotes, one line, every check passed) read in one pass:
   * ra and dec are parsed where they stand, so their bytes are read once, not
   * split off and then parsed. Anything else (quotes, blanks around numbers,
   * a bad value, the wrong number of fields, a blank line) goes the general
   * way, which also words the error: the result is the same either way.
   */
  fast(buf: Uint8Array, pos: number, end: number): number {
    const { iId, iRa, iDec, keptAt } = this.layout;
    const nFields = this.nFields, starts = this.fieldStart, ends = this.fieldEnd;
    let i = pos, r = NaN, d = NaN;
    for (let f = 0; f < nFields; f++) {
      if (f === iRa || f === iDec) {
        const e = readDecimal(buf, i, end);
        if (e < 0) return FAST_NO;
        i = e;
        if (f === iRa) r = decimalOut[0]; else d = decimalOut[0];
      } else {
        const s = i;
        for (; i < end; i++) {
          const c = buf[i];
          if (c === 44 || c === 10) break;
          if (c === 34) return FAST_NO;
        }
        starts[f] = s;
        ends[f] = f === nFields - 1 && i > s && buf[i - 1] === 13 && i < end ? i - 1 : i;
      }
      if (i >= end) return FAST_MORE;
      const c = buf[i];
      if (f < nFields - 1) {
        if (c !== 44) return FAST_NO;
        i++;
      } else if (c === 10) {
        i++;
      } else if (c === 13) {
        if (i + 1 >= end) return FAST_MORE;
        if (buf[i + 1] !== 10) return FAST_NO;
        i += 2;
      } else {
        return FAST_NO;
      }
    }
    if (!(r - r === 0) || !(d >= -90 && d <= 90)) return FAST_NO;
    let s = starts[iId], e = ends[iId];
    while (s < e && (buf[s] === 32 || buf[s] === 9)) s++;
    while (e > s && (buf[e - 1] === 32 || buf[e - 1] === 9)) e--;
    if (s === e) return FAST_NO;
    this.sample(i - pos);
    this.ids.push(buf, s, e, false);
    this.ra.push(normalizeRa(r));
    this.dec.push(d);
    const kept = this.kept;
    for (let k = 0; k < kept.length; k++) kept[k].push(buf, starts[keptAt[k]], ends[keptAt[k]], false);
    this.rows++;
    return i;
  }

  /** Empties the reader for another block, keeping its memory (kept columns start afresh). */
  reset(): void {
    this.ids.reset();
    this.ra.reset();
    this.dec.reset();
    this.kept = this.layout.keep.map((name) => new KeptColumnBuilder(name));
    this.bad = [];
    this.rows = 0;
  }

  /** A record that cannot be split into fields; true when reading should stop. */
  malformed(line: number, field: number, reason: string, text: string): boolean {
    const { header } = this.layout;
    return this.reject(line, header[Math.min(field, header.length - 1)], text, reason);
  }

  /** The columns as arrays of exactly their length (their buffers can be transferred). */
  parts(): RowParts {
    const ids = this.ids.finish();
    return {
      idOffsets: ids.offsets, idData: ids.data, ra: this.ra.finish(), dec: this.dec.finish(),
      kept: this.kept.map((k) => k.parts()), bad: this.bad, rows: this.rows,
    };
  }
}

/** The parts of consecutive byte ranges joined in order (the column types settled over all of them). */
export function joinParts(layout: RowLayout, parts: RowParts[]): { ids: TextColumn; ra: Float64Array; dec: Float64Array; kept: Column[]; rows: number } {
  let rows = 0;
  for (const p of parts) rows += p.rows;
  const ra = new Float64Array(rows), dec = new Float64Array(rows);
  let at = 0;
  for (const p of parts) {
    ra.set(p.ra, at);
    dec.set(p.dec, at);
    at += p.rows;
  }
  const ids = BytesBuilder.join(parts.map((p) => ({ offsets: p.idOffsets, data: p.idData, nonAscii: true }))).finish();
  const kept = layout.keep.map((name, k) => KeptColumnBuilder.join(name, parts.map((p) => p.kept[k])).finish());
  return { ids, ra, dec, kept, rows };
}

function raProblem(buf: Uint8Array, spans: FieldSpans, k: number): string {
  const text = fieldText(buf, spans, k).trim();
  return raReason(parseNumberField(buf, spans.starts[k], spans.ends[k]), text);
}

function decProblem(buf: Uint8Array, spans: FieldSpans, k: number, d: number): string {
  const text = fieldText(buf, spans, k).trim();
  return decReason(d === d ? d : parseNumberField(buf, spans.starts[k], spans.ends[k]), text);
}
