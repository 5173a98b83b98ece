// VOTable (1.1 to 1.4) read as columns: the first TABLE's FIELDs, and its
// rows from TABLEDATA or from a base64 STREAM in BINARY2 or BINARY, parsed
// as the bytes arrive (sax, a streaming XML parser: the file is never held
// whole). Only the columns asked for are kept.
//
// Types: boolean -> bool; unsignedByte, short, int -> int32; long -> int64
// (exact); float, double -> float64; char, unicodeChar -> text. Arrays of
// numbers, bit, complex fields and FITS or external streams are refused by
// name when asked for. Nulls: an empty TD, the VALUES null value, NaN, and
// BINARY2's null flags. A value that does not parse names its row and column.

import { createReadStream } from 'node:fs';
import sax from 'sax';
import { cannotOpen, CatalogInputError } from './csv-errors.js';
import { settleValid, type Column, type ColumnType } from './table.js';

export interface VoFieldInfo {
  name: string;
  datatype: string;
  arraysize?: string;
  unit?: string;
  ucd?: string;
  nullText?: string;
}

const WIDTH: Record<string, number> = {
  boolean: 1, bit: 0, unsignedByte: 1, short: 2, int: 4, long: 8, char: 1, unicodeChar: 2, float: 4, double: 8, floatComplex: 8, doubleComplex: 16,
};

function typeOf(f: VoFieldInfo): ColumnType | null {
  const text = f.datatype === 'char' || f.datatype === 'unicodeChar';
  if (text) return 'utf8';
  if (f.arraysize !== undefined && f.arraysize !== '1') return null;
  switch (f.datatype) {
    case 'boolean': case 'bit': return 'bool';
    case 'unsignedByte': case 'short': case 'int': return 'int32';
    case 'long': return 'int64';
    case 'float': case 'double': return 'float64';
    default: return null;
  }
}

/** A growable column. */
class Builder {
  n = 0;
  values: Float64Array | Int32Array | BigInt64Array | Uint8Array | string[];
  valid = new Uint8Array(1024);

  constructor(readonly name: string, readonly type: ColumnType) {
    this.values = type === 'float64' ? new Float64Array(1024) : type === 'int32' ? new Int32Array(1024)
      : type === 'int64' ? new BigInt64Array(1024) : type === 'bool' ? new Uint8Array(1024) : [];
  }

  private grow(): void {
    const cap = this.valid.length * 2;
    const v = new Uint8Array(cap); v.set(this.valid); this.valid = v;
    if (!Array.isArray(this.values)) {
      const c = new (this.values.constructor as new (n: number) => Float64Array)(cap);
      c.set(this.values as Float64Array);
      this.values = c as unknown as Float64Array;
    }
  }

  push(v: number | bigint | string | null): void {
    if (this.n === this.valid.length) this.grow();
    const i = this.n++;
    if (v === null) { if (Array.isArray(this.values)) this.values[i] = ''; return; }
    if (typeof v === 'number' && v !== v) { (this.values as Float64Array)[i] = NaN; return; }
    (this.values as unknown as Array<typeof v>)[i] = v;
    this.valid[i] = 1;
  }

  finish(): Column {
    const n = this.n;
    const values = Array.isArray(this.values) ? this.values.slice(0, n) : this.values.slice(0, n);
    return settleValid({ name: this.name, type: this.type, values: values as Column['values'], valid: this.valid.slice(0, n) });
  }
}

export interface VoTable {
  rows: number;
  fields: VoFieldInfo[];
  columns: Map<string, Column>;
  bytes: number;
}

const TRUE = new Set(['T', 't', '1', 'true', 'TRUE', 'True']);
const FALSE = new Set(['F', 'f', '0', 'false', 'FALSE', 'False']);
const INTEGER = /^[+-]?\d+$/;
const HEX = /^0[xX][0-9a-fA-F]+$/;

/** Reads the first TABLE of a VOTable file (or buffer): the columns `want` (all when undefined). */
export async function readVoTableColumns(source: string | Uint8Array, want?: readonly string[] | ((names: string[]) => readonly string[]), label?: string): Promise<VoTable> {
  const file = label ?? (typeof source === 'string' ? source : 'upload');
  const fail = (msg: string): never => { throw new CatalogInputError(file, [], `${file}: ${msg}`); };
  const parser = sax.parser(true, { trim: false, normalize: false, position: true });
  const fields: VoFieldInfo[] = [];
  let builders: Array<Builder | null> | null = null;
  let inTable = 0, tablesDone = false, row = 0;
  let cells: Array<string | null> = [];
  let cell = -1, cellText = '';
  let inStream = false, streamKind: 'BINARY' | 'BINARY2' | null = null;
  let b64 = '', pending = Buffer.alloc(0);
  let field: VoFieldInfo | null = null;
  let bytes = 0;
  let err: unknown = null;

  const setup = (): void => {
    if (builders) return;
    const names = fields.map((f) => f.name);
    const wanted = typeof want === 'function' ? want(names) : want ?? names;
    for (const w of wanted) if (!names.includes(w)) fail(`no column '${w}' (FIELDs: ${names.join(', ')})`);
    builders = fields.map((f) => {
      if (!wanted.includes(f.name)) return null;
      const t = typeOf(f);
      if (!t) fail(`column '${f.name}' (datatype ${f.datatype}${f.arraysize ? `, arraysize ${f.arraysize}` : ''}) holds arrays or a type that is not read as a column`);
      return new Builder(f.name, t!);
    });
  };

  /** A TD's text into its column. */
  const pushText = (k: number, text: string | null): void => {
    const b = builders![k];
    if (!b) return;
    const f = fields[k];
    const where = (): string => `row ${row + 1}, column '${f.name}'`;
    if (b.type === 'utf8') { b.push(text === null ? null : text); return; }
    const s = (text ?? '').trim();
    if (s === '' || (f.nullText !== undefined && s === f.nullText.trim())) { b.push(null); return; }
    switch (b.type) {
      case 'float64': {
        const x = s === 'NaN' || s === '+Inf' || s === '-Inf' || s === 'Inf' ? (s === 'NaN' ? NaN : s.startsWith('-') ? -Infinity : Infinity) : Number(s);
        if (x !== x && s !== 'NaN') fail(`${where()}: '${s}' is not a ${f.datatype}`);
        // A float is a 32-bit value: the text is rounded to it, as every reader holds it.
        b.push(f.datatype === 'float' ? Math.fround(x) : x);
        return;
      }
      case 'int32': {
        const x = HEX.test(s) ? parseInt(s, 16) : INTEGER.test(s) ? Number(s) : NaN;
        if (!Number.isInteger(x) || x < -2147483648 || x > 2147483647) fail(`${where()}: '${s}' is not an ${f.datatype}`);
        b.push(x);
        return;
      }
      case 'int64': {
        if (!INTEGER.test(s) && !HEX.test(s)) fail(`${where()}: '${s}' is not a long`);
        const x = BigInt(s);
        if (x < -(2n ** 63n) || x >= 2n ** 63n) fail(`${where()}: '${s}' does not fit a long`);
        b.push(x);
        return;
      }
      case 'bool': {
        if (TRUE.has(s)) b.push(1); else if (FALSE.has(s)) b.push(0); else if (s === '?') b.push(null);
        else fail(`${where()}: '${s}' is not a boolean`);
      }
    }
  };

  /** Bytes of one field at `at` in a binary row, or -1 when the buffer ends first. */
  const fieldLength = (buf: Buffer, at: number, f: VoFieldInfo): number => {
    const w = WIDTH[f.datatype] ?? fail(`column '${f.name}': unknown datatype '${f.datatype}'`);
    const a = f.arraysize;
    if (a === undefined || a === '1') return f.datatype === 'bit' ? 1 : w;
    if (a.endsWith('*')) {
      if (at + 4 > buf.length) return -1;
      const count = buf.readInt32BE(at);
      return 4 + (f.datatype === 'bit' ? Math.ceil(count / 8) : count * w);
    }
    const count = a.split('x').reduce((p, d) => p * Number(d), 1);
    return f.datatype === 'bit' ? Math.ceil(count / 8) : count * w;
  };

  /** Decodes as many whole rows as `pending` holds. */
  const binaryRows = (): void => {
    const nf = fields.length, flagBytes = streamKind === 'BINARY2' ? Math.ceil(nf / 8) : 0;
    let pos = 0;
    const buf = pending;
    for (;;) {
      if (pos + flagBytes > buf.length) break;
      let at = pos + flagBytes;
      const starts = new Array<number>(nf);
      let whole = true;
      for (let k = 0; k < nf; k++) {
        const len = fieldLength(buf, at, fields[k]);
        if (len < 0 || at + len > buf.length) { whole = false; break; }
        starts[k] = at;
        at += len;
      }
      if (!whole) break;
      for (let k = 0; k < nf; k++) {
        const b = builders![k];
        if (!b) continue;
        const f = fields[k];
        const isNull = flagBytes > 0 && (buf[pos + (k >> 3)] & (0x80 >> (k & 7))) !== 0;
        if (isNull) { b.push(null); continue; }
        const s = starts[k];
        switch (f.datatype) {
          case 'double': b.push(buf.readDoubleBE(s)); break;
          case 'float': b.push(buf.readFloatBE(s)); break; // float32, exact in a double
          case 'int': { const x = buf.readInt32BE(s); b.push(f.nullText !== undefined && String(x) === f.nullText.trim() ? null : x); break; }
          case 'short': { const x = buf.readInt16BE(s); b.push(f.nullText !== undefined && String(x) === f.nullText.trim() ? null : x); break; }
          case 'unsignedByte': { const x = buf[s]; b.push(f.nullText !== undefined && String(x) === f.nullText.trim() ? null : x); break; }
          case 'long': { const x = buf.readBigInt64BE(s); b.push(f.nullText !== undefined && String(x) === f.nullText.trim() ? null : x); break; }
          case 'boolean': { const c = buf[s]; b.push(c === 0x54 || c === 0x74 || c === 0x31 ? 1 : c === 0x46 || c === 0x66 || c === 0x30 ? 0 : null); break; }
          // The standard packs a lone bit in the byte's high bit; astropy writes it
          // as 0x08: any bit set is true.
          case 'bit': b.push(buf[s] !== 0 ? 1 : 0); break;
          case 'char': case 'unicodeChar': {
            const variable = f.arraysize?.endsWith('*');
            const start = variable ? s + 4 : s;
            const end = s + fieldLength(buf, s, f);
            let t = f.datatype === 'char' ? buf.toString('utf8', start, end) : Buffer.from(buf.subarray(start, end)).swap16().toString('utf16le');
            const nul = t.indexOf('\0');
            if (nul >= 0) t = t.slice(0, nul);
            if (!variable) t = t.trimEnd();
            b.push(t);
            break;
          }
        }
      }
      row++;
      pos = at;
    }
    pending = buf.subarray(pos);
  };

  parser.onopentag = (node) => {
    const a = node.attributes as Record<string, string>;
    switch (node.name) {
      case 'TABLE': if (!tablesDone) inTable++; break;
      case 'FIELD':
        if (inTable === 1 && !builders) {
          if (!a.datatype) fail(`FIELD '${a.name ?? a.ID}' has no datatype`);
          field = { name: a.name ?? a.ID ?? `col${fields.length + 1}`, datatype: a.datatype, arraysize: a.arraysize, unit: a.unit, ucd: a.ucd };
          fields.push(field);
        }
        break;
      case 'VALUES': if (field && a.null !== undefined) field.nullText = a.null; break;
      case 'DATA': if (inTable === 1 && !tablesDone) setup(); break;
      case 'TR': if (builders && !tablesDone) { cells = new Array(fields.length).fill(null); cell = -1; } break;
      case 'TD': if (builders && !tablesDone) { cell++; cellText = ''; } break;
      case 'BINARY': case 'BINARY2': if (builders && !tablesDone) streamKind = node.name; break;
      case 'FITS': if (builders && !tablesDone) fail('FITS data inside a VOTable is not read: convert it to TABLEDATA or BINARY2'); break;
      case 'STREAM':
        if (builders && !tablesDone && streamKind) {
          if (a.href) fail('a STREAM with href (data in another file) is not read: the data must be in the VOTable');
          if ((a.encoding ?? '') !== 'base64') fail(`STREAM encoding '${a.encoding ?? 'none'}' is not read (base64 is)`);
          inStream = true;
        }
        break;
      default:
    }
  };
  parser.onclosetag = (name) => {
    switch (name) {
      case 'FIELD': field = null; break;
      case 'TD': if (builders && !tablesDone && cell < fields.length) cells[cell] = cellText; break;
      case 'TR':
        if (builders && !tablesDone) {
          if (cell + 1 > fields.length) fail(`row ${row + 1} has ${cell + 1} cells, the table ${fields.length} FIELDs`);
          for (let k = 0; k < fields.length; k++) pushText(k, cells[k]);
          row++;
        }
        break;
      case 'STREAM':
        if (inStream) {
          const rest = b64.replace(/[^A-Za-z0-9+/=]/g, '');
          if (rest) pending = Buffer.concat([pending, Buffer.from(rest, 'base64')]);
          b64 = '';
          binaryRows();
          if (pending.length) fail(`the binary stream ends inside row ${row + 1}`);
          inStream = false;
        }
        break;
      case 'TABLE': if (inTable === 1 && builders) tablesDone = true; inTable = Math.max(0, inTable - 1); break;
      default:
    }
  };
  const text = (t: string): void => {
    if (cell >= 0 && builders && !tablesDone && !inStream) cellText += t;
    else if (inStream) {
      b64 += t;
      if (b64.length >= 1 << 16) {
        const clean = b64.replace(/[^A-Za-z0-9+/=]/g, '');
        const whole = clean.length - (clean.length % 4);
        pending = Buffer.concat([pending, Buffer.from(clean.slice(0, whole), 'base64')]);
        b64 = clean.slice(whole);
        binaryRows();
      }
    }
  };
  parser.ontext = text;
  parser.oncdata = text;
  parser.onerror = (e) => { err = e; };

  const feed = (chunk: string): void => {
    parser.write(chunk);
    if (err) {
      const e = err as Error;
      err = null;
      fail(`not a readable VOTable (XML): ${e.message.split('\n')[0]} at line ${parser.line + 1}`);
    }
  };
  // Each TD must close before the next starts: reset the cell at TR open only.
  if (typeof source === 'string') {
    const stream = createReadStream(source, { encoding: 'utf8', highWaterMark: 1 << 20 });
    try {
      for await (const chunk of stream) { bytes += Buffer.byteLength(chunk as string); feed(chunk as string); }
    } catch (e) {
      stream.destroy();
      if (e instanceof CatalogInputError) throw e;
      throw cannotOpen(file, e);
    }
  } else {
    const s = Buffer.from(source.buffer, source.byteOffset, source.byteLength).toString('utf8');
    bytes = source.byteLength;
    for (let i = 0; i < s.length; i += 1 << 20) feed(s.slice(i, i + (1 << 20)));
  }
  parser.close();
  if (!builders) fail(fields.length ? 'the VOTable has FIELDs but no DATA' : 'no TABLE with FIELDs: not a VOTable');
  const columns = new Map<string, Column>();
  (builders as unknown as Array<Builder | null>).forEach((b) => { if (b) columns.set(b.name, b.finish()); });
  return { rows: row, fields, columns, bytes };
}
