// Writes tables as VOTable 1.4 (IVOA Recommendation 2019), TABLEDATA or
// BINARY2 (base64 STREAM), in pieces: the head (FIELDs) once, then rows as
// they come, then the tail, so the service can stream a match while it runs
// and a file is never built in memory whole.
//
// float64 -> double, int32 -> int, int64 -> long, bool -> boolean, text ->
// char arraysize="*", or unicodeChar when a value is not ASCII (astropy
// reads char as ASCII only; a streamed table, whose values are not known
// up front, writes char with UTF-8, which TOPCAT reads). Text columns
// named as integer ids whose every value fits a signed 64-bit integer are
// written as long (only when the whole table is known up front).
// Nulls: TABLEDATA an empty TD; BINARY2 the row's null flags.

import { closeSync, openSync, writeSync } from 'node:fs';
import { checkTable, type Column, type ColumnTable, type ColumnType } from './table.js';

export type VoFormat = 'tabledata' | 'binary2';

export interface VoField {
  name: string;
  type: ColumnType;
  /** Written as VOTable long although held as text (integer ids). */
  longText?: boolean;
  /** Text with characters beyond ASCII: unicodeChar (UCS-2), which every reader takes, not UTF-8 char. */
  unicode?: boolean;
  unit?: string;
  ucd?: string;
  description?: string;
}

const DATATYPE: Record<ColumnType, string> = { float64: 'double', int32: 'int', int64: 'long', bool: 'boolean', utf8: 'char' };

export function xmlEscape(s: string): string {
  return s.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'))
    // Characters XML 1.0 cannot hold at all (control characters) are dropped.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');
}

const INT64 = /^[+-]?\d{1,19}$/;
const TWO63 = 2n ** 63n;

/** Whether every present value of a text column is an integer that fits a signed 64-bit long. */
export function fitsLong(col: Column): boolean {
  const v = col.values as string[];
  for (let i = 0; i < v.length; i++) {
    if (col.valid && !col.valid[i]) continue;
    if (!INT64.test(v[i])) return false;
    const b = BigInt(v[i]);
    if (b >= TWO63 || b < -TWO63) return false;
  }
  return true;
}

export class VoTableWriter {
  private carry = Buffer.alloc(0);

  constructor(readonly fields: readonly VoField[], readonly format: VoFormat, readonly tableName = 'results', readonly description?: string) {}

  head(): string {
    const f = this.fields.map((x) => {
      const attrs = [`name="${xmlEscape(x.name)}"`, `datatype="${x.longText ? 'long' : x.unicode ? 'unicodeChar' : DATATYPE[x.type]}"`];
      if (x.type === 'utf8' && !x.longText) attrs.push('arraysize="*"');
      if (x.unit) attrs.push(`unit="${xmlEscape(x.unit)}"`);
      if (x.ucd) attrs.push(`ucd="${xmlEscape(x.ucd)}"`);
      const desc = x.description ? `<DESCRIPTION>${xmlEscape(x.description)}</DESCRIPTION>` : '';
      return desc ? `<FIELD ${attrs.join(' ')}>${desc}</FIELD>` : `<FIELD ${attrs.join(' ')}/>`;
    });
    return '<?xml version="1.0" encoding="UTF-8"?>\n' +
      '<VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n' +
      `<RESOURCE type="results">\n<TABLE name="${xmlEscape(this.tableName)}">\n` +
      (this.description ? `<DESCRIPTION>${xmlEscape(this.description)}</DESCRIPTION>\n` : '') +
      `${f.join('\n')}\n<DATA>\n` +
      (this.format === 'tabledata' ? '<TABLEDATA>\n' : '<BINARY2>\n<STREAM encoding="base64">\n');
  }

  /** Rows [start, end) of columns aligned with the fields. */
  rows(cols: readonly Column[], start: number, end: number): string {
    return this.format === 'tabledata' ? this.tableData(cols, start, end) : this.binary2(cols, start, end);
  }

  private tableData(cols: readonly Column[], start: number, end: number): string {
    const parts: string[] = [];
    for (let i = start; i < end; i++) {
      let tr = '<TR>';
      for (let k = 0; k < cols.length; k++) {
        const c = cols[k];
        if (c.valid && !c.valid[i]) { tr += '<TD/>'; continue; }
        const v = c.values[i];
        let t: string;
        if (c.type === 'bool') t = v ? 'T' : 'F';
        else if (c.type === 'float64') t = Number.isNaN(v) ? '' : String(v);
        else if (c.type === 'utf8') t = xmlEscape(v as string);
        else t = String(v);
        tr += t === '' ? '<TD/>' : `<TD>${t}</TD>`;
      }
      parts.push(`${tr}</TR>\n`);
    }
    return parts.join('');
  }

  private binary2(cols: readonly Column[], start: number, end: number): string {
    const nf = cols.length, flagBytes = Math.ceil(nf / 8);
    const chunks: Buffer[] = [this.carry];
    let size = this.carry.length;
    for (let i = start; i < end; i++) {
      // The row's bytes: null flags, then each field (variable text with its length).
      const texts: Buffer[] = [];
      let len = flagBytes;
      for (let k = 0; k < nf; k++) {
        const f = this.fields[k], c = cols[k];
        if (f.type === 'utf8' && !f.longText) {
          const s = c.valid && !c.valid[i] ? '' : (c.values[i] as string);
          const b = f.unicode ? Buffer.from(s, 'utf16le').swap16() : Buffer.from(s, 'utf8');
          texts.push(b);
          len += 4 + b.length;
        } else {
          len += f.longText || f.type === 'int64' || f.type === 'float64' ? 8 : f.type === 'int32' ? 4 : 1;
        }
      }
      const row = Buffer.alloc(len);
      let at = flagBytes, t = 0;
      for (let k = 0; k < nf; k++) {
        const f = this.fields[k], c = cols[k];
        const isNull = c.valid !== undefined && !c.valid[i];
        if (isNull) row[k >> 3] |= 0x80 >> (k & 7);
        if (f.type === 'utf8' && !f.longText) {
          const b = texts[t++];
          row.writeInt32BE(f.unicode ? b.length / 2 : b.length, at); // the count is of characters
          b.copy(row, at + 4);
          at += 4 + b.length;
        } else if (f.longText) {
          row.writeBigInt64BE(isNull ? 0n : BigInt(c.values[i] as string), at); at += 8;
        } else if (f.type === 'float64') {
          row.writeDoubleBE(isNull ? NaN : (c.values as Float64Array)[i], at); at += 8;
        } else if (f.type === 'int64') {
          row.writeBigInt64BE(isNull ? 0n : (c.values as BigInt64Array)[i], at); at += 8;
        } else if (f.type === 'int32') {
          row.writeInt32BE(isNull ? 0 : (c.values as Int32Array)[i], at); at += 4;
        } else {
          row[at++] = isNull ? 0x3f : (c.values as Uint8Array)[i] ? 0x54 : 0x46;
        }
      }
      chunks.push(row);
      size += len;
    }
    // Base64 in whole groups of 3 bytes; the rest waits for the next rows (or the tail).
    const all = Buffer.concat(chunks, size);
    const whole = size - (size % 3);
    this.carry = Buffer.from(all.subarray(whole));
    return base64Lines(all.subarray(0, whole));
  }

  tail(): string {
    if (this.format === 'tabledata') return '</TABLEDATA>\n</DATA>\n</TABLE>\n</RESOURCE>\n</VOTABLE>\n';
    const rest = this.carry.length ? base64Lines(this.carry) : '';
    this.carry = Buffer.alloc(0);
    return `${rest}</STREAM>\n</BINARY2>\n</DATA>\n</TABLE>\n</RESOURCE>\n</VOTABLE>\n`;
  }
}

function base64Lines(b: Buffer): string {
  if (b.length === 0) return '';
  const s = b.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < s.length; i += 76) lines.push(s.slice(i, i + 76));
  return `${lines.join('\n')}\n`;
}

export interface VoWriteOptions {
  format?: VoFormat;
  units?: Record<string, string>;
  ucds?: Record<string, string>;
  descriptions?: Record<string, string>;
  /** Text columns written as long when every value fits. */
  integerColumns?: readonly string[];
  tableName?: string;
  description?: string;
}

/** The fields of a whole table (text ids as long where they fit). */
export function voFieldsOf(table: ColumnTable, opts: VoWriteOptions): VoField[] {
  const ints = new Set(opts.integerColumns ?? []);
  return table.columns.map((c) => ({
    name: c.name, type: c.type, longText: c.type === 'utf8' && ints.has(c.name) && fitsLong(c),
    unicode: c.type === 'utf8' && (c.values as string[]).some((v) => /[^\x00-\x7f]/.test(v)),
    unit: opts.units?.[c.name], ucd: opts.ucds?.[c.name], description: opts.descriptions?.[c.name],
  }));
}

/** The VOTable text of a whole table, in pieces. */
export function* voTableChunks(table: ColumnTable, opts: VoWriteOptions = {}): Generator<string> {
  checkTable(table);
  const w = new VoTableWriter(voFieldsOf(table, opts), opts.format ?? 'tabledata', opts.tableName, opts.description);
  yield w.head();
  const step = 50_000;
  for (let s = 0; s < table.length; s += step) yield w.rows(table.columns, s, Math.min(table.length, s + step));
  yield w.tail();
}

export function writeVoTable(file: string, table: ColumnTable, opts: VoWriteOptions = {}): void {
  const fd = openSync(file, 'w');
  try {
    for (const piece of voTableChunks(table, opts)) {
      const b = Buffer.from(piece, 'utf8');
      let off = 0;
      while (off < b.length) off += writeSync(fd, b, off, b.length - off);
    }
  } finally {
    closeSync(fd);
  }
}
