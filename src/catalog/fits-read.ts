// FITS binary tables (BINTABLE extensions, FITS Standard 4.0 sect. 7.3) read
// as columns: the first BINTABLE of the file, rows streamed in chunks of a
// few MiB, only the columns asked for decoded (big-endian, DataView).
//
// Types: L -> bool; B, I, J -> int32 (with TZERO -128 / 32768: signed byte,
// unsigned short); J with TZERO 2^31 (unsigned int) and K -> int64; K with
// TZERO 2^63 (unsigned long) -> int64 when every value fits, else exact
// decimal text; E, D -> float64; A -> text (trailing blanks and NULs
// dropped). Other TSCAL/TZERO on integers give float64 = TZERO + TSCAL * raw.
// TNULL marks nulls of integer columns (compared before scaling), NaN those
// of floats. Arrays (repeat > 1), X, complex and P/Q columns are refused by
// name when asked for.

import { open, type FileHandle } from 'node:fs/promises';
import { cannotOpen, CatalogInputError } from './csv-errors.js';
import { BLOCK, parseHeader, type FitsHeader } from './fits-header.js';
import { newColumn, settleValid, type Column } from './table.js';

export interface FitsField {
  name: string;
  form: string;
  code: string;
  repeat: number;
  /** Byte offset in the row and bytes per row. */
  offset: number;
  width: number;
  unit?: string;
  scale: number;
  zero: number;
  zeroBig: bigint;
  tnull?: bigint;
}

const WIDTH: Record<string, number> = { L: 1, X: 0, B: 1, I: 2, J: 4, K: 8, A: 1, E: 4, D: 8, C: 8, M: 16, P: 8, Q: 16 };

/** Where bytes come from: a file (read as needed) or a buffer (an upload). */
interface Bytes {
  read(pos: number, len: number): Promise<Uint8Array>;
  size: number;
  close(): Promise<void>;
}

async function fileBytes(file: string): Promise<Bytes> {
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    throw cannotOpen(file, err);
  }
  const size = (await fh.stat()).size;
  return {
    size,
    async read(pos, len) {
      const b = Buffer.alloc(Math.max(0, Math.min(len, size - pos)));
      let off = 0;
      while (off < b.length) {
        const { bytesRead } = await fh.read(b, off, b.length - off, pos + off);
        if (bytesRead === 0) break;
        off += bytesRead;
      }
      return b.subarray(0, off);
    },
    close: () => fh.close(),
  };
}

function bufferBytes(buf: Uint8Array): Bytes {
  return { size: buf.length, read: async (pos, len) => buf.subarray(pos, Math.min(buf.length, pos + len)), close: async () => {} };
}

/** The header at `at`, reading blocks until its END card. */
async function readHeader(src: Bytes, at: number, file: string): Promise<FitsHeader> {
  let len = BLOCK * 4;
  for (;;) {
    const b = await src.read(at, len);
    if (b.length < BLOCK) throw new CatalogInputError(file, [], `${file}: not a FITS file (the header at byte ${at} is cut short)`);
    const h = parseHeader(b, 0);
    if (h) return h;
    if (b.length < len) throw new CatalogInputError(file, [], `${file}: FITS header at byte ${at} has no END card`);
    len *= 4;
  }
}

/** Bytes of an HDU's data, padded to whole blocks. */
function dataBytes(h: FitsHeader): number {
  const naxis = h.int('NAXIS', 0);
  if (naxis === 0) return 0;
  let n = Math.abs(h.int('BITPIX')) / 8;
  let elems = 1;
  for (let k = 1; k <= naxis; k++) elems *= h.int(`NAXIS${k}`);
  n = n * h.int('GCOUNT', 1) * (h.int('PCOUNT', 0) + elems);
  return Math.ceil(n / BLOCK) * BLOCK;
}

function fields(h: FitsHeader, file: string): FitsField[] {
  const nf = h.int('TFIELDS');
  const out: FitsField[] = [];
  let offset = 0;
  for (let k = 1; k <= nf; k++) {
    const form = (h.string(`TFORM${k}`) ?? '').trim();
    const m = /^(\d*)([LXBIJKAEDCMPQ])/i.exec(form);
    if (!m) throw new CatalogInputError(file, [], `${file}: column ${k}: TFORM${k} '${form}' is not a FITS binary table format`);
    const repeat = m[1] === '' ? 1 : Number(m[1]);
    const code = m[2].toUpperCase();
    const width = code === 'X' ? Math.ceil(repeat / 8) : repeat * WIDTH[code];
    const zeroText = h.raw(`TZERO${k}`);
    const zeroBig = zeroText !== undefined && /^[+-]?\d+(\.0*)?$/.test(zeroText) ? BigInt(zeroText.replace(/\.0*$/, '')) : 0n;
    out.push({
      name: (h.string(`TTYPE${k}`) ?? `col${k}`).trim(), form, code, repeat, offset, width,
      unit: h.string(`TUNIT${k}`)?.trim() || undefined,
      scale: h.number(`TSCAL${k}`) ?? 1, zero: h.number(`TZERO${k}`) ?? 0, zeroBig,
      tnull: h.has(`TNULL${k}`) ? h.bigint(`TNULL${k}`) : undefined,
    });
    offset += width;
  }
  if (offset !== h.int('NAXIS1')) throw new CatalogInputError(file, [], `${file}: the columns' widths add up to ${offset} bytes, NAXIS1 says ${h.int('NAXIS1')}`);
  return out;
}

export interface FitsTable {
  rows: number;
  fields: FitsField[];
  /** The decoded columns asked for, by name. */
  columns: Map<string, Column>;
  bytes: number;
}

type Decoder = (dv: DataView, base: number, row: number) => void;

const TWO63 = 2n ** 63n;
const INT64_MAX = TWO63 - 1n;

/** A column and the function that decodes one row of it into place. */
function decoderFor(f: FitsField, n: number, file: string): { col: Column; decode: Decoder; finish: () => Column } {
  const where = `${file}: column '${f.name}' (TFORM '${f.form}')`;
  if (f.code !== 'A' && f.repeat !== 1) throw new CatalogInputError(file, [], `${where} holds ${f.repeat} values per row: arrays are not read as columns`);
  if (!'LBIJKAED'.includes(f.code)) throw new CatalogInputError(file, [], `${where}: FITS type ${f.code} is not read as a column`);
  const o = f.offset;
  const tnull = f.tnull;
  const plainInt = f.scale === 1;
  if (f.code === 'A') {
    const col = newColumn(f.name, 'utf8', n);
    const vals = col.values as string[];
    const valid = col.valid!;
    const w = f.repeat;
    return {
      col,
      decode: (dv, base, row) => {
        const start = dv.byteOffset + base + o;
        let end = start + w;
        const bytes = new Uint8Array(dv.buffer, start, w);
        const nul = bytes.indexOf(0);
        if (nul >= 0) end = start + nul;
        let e = end - start;
        while (e > 0 && bytes[e - 1] === 32) e--;
        vals[row] = Buffer.from(dv.buffer, start, e).toString('utf8');
        valid[row] = 1;
      },
      finish: () => settleValid(col),
    };
  }
  if (f.code === 'L') {
    const col = newColumn(f.name, 'bool', n);
    const vals = col.values as Uint8Array, valid = col.valid!;
    return {
      col,
      decode: (dv, base, row) => {
        const c = dv.getUint8(base + o);
        if (c === 84) { vals[row] = 1; valid[row] = 1; } else if (c === 70) { vals[row] = 0; valid[row] = 1; }
      },
      finish: () => settleValid(col),
    };
  }
  if (f.code === 'E' || f.code === 'D') {
    const col = newColumn(f.name, 'float64', n);
    const vals = col.values as Float64Array, valid = col.valid!;
    const d = f.code === 'D', s = f.scale, z = f.zero, scaled = s !== 1 || z !== 0;
    return {
      col,
      decode: (dv, base, row) => {
        let x = d ? dv.getFloat64(base + o, false) : dv.getFloat32(base + o, false);
        if (scaled) x = z + s * x;
        vals[row] = x;
        if (x === x) valid[row] = 1;
      },
      finish: () => settleValid(col),
    };
  }
  // Integers: read raw as BigInt (K) or number, compare with TNULL, then scale.
  const raw: (dv: DataView, at: number) => number = f.code === 'B' ? (dv, at) => dv.getUint8(at)
    : f.code === 'I' ? (dv, at) => dv.getInt16(at, false) : (dv, at) => dv.getInt32(at, false);
  const nullN = tnull === undefined ? undefined : Number(tnull);
  if (f.code === 'K') {
    const unsigned = plainInt && f.zeroBig === TWO63;
    if (plainInt && (f.zeroBig === 0n || unsigned)) {
      const col = newColumn(f.name, 'int64', n);
      const vals = col.values as BigInt64Array, valid = col.valid!;
      let big: BigUint64Array | null = null; // values past 2^63 - 1, when they come
      return {
        col,
        decode: (dv, base, row) => {
          const r = dv.getBigInt64(base + o, false);
          if (tnull !== undefined && r === tnull) return;
          valid[row] = 1;
          if (!unsigned) { vals[row] = r; return; }
          const u = r + TWO63; // the unsigned value
          if (u > INT64_MAX && !big) big = new BigUint64Array(n);
          if (big) big[row] = u;
          vals[row] = BigInt.asIntN(64, u);
        },
        finish: () => {
          if (!big) return settleValid(col);
          // Some value does not fit int64: the column becomes exact decimal text.
          const t = newColumn(f.name, 'utf8', n);
          const tv = t.values as string[];
          for (let i = 0; i < n; i++) {
            if (!valid[i]) continue;
            tv[i] = (big[i] !== 0n ? big[i] : BigInt.asUintN(64, vals[i])).toString();
            t.valid![i] = 1;
          }
          return settleValid(t);
        },
      };
    }
    const col = newColumn(f.name, 'float64', n);
    const vals = col.values as Float64Array, valid = col.valid!;
    const s = f.scale, z = f.zero;
    return {
      col,
      decode: (dv, base, row) => {
        const r = dv.getBigInt64(base + o, false);
        if (tnull !== undefined && r === tnull) return;
        vals[row] = z + s * Number(r);
        valid[row] = 1;
      },
      finish: () => settleValid(col),
    };
  }
  // B, I, J.
  const zero = f.zero;
  const asInt32 = plainInt && (zero === 0 || (f.code === 'B' && zero === -128) || (f.code === 'I' && zero === 32768));
  const asInt64 = plainInt && f.code === 'J' && zero === 2147483648;
  if (asInt32 || asInt64) {
    const col = newColumn(f.name, asInt64 ? 'int64' : 'int32', n);
    const valid = col.valid!;
    if (asInt64) {
      const vals = col.values as BigInt64Array;
      return {
        col,
        decode: (dv, base, row) => {
          const r = raw(dv, base + o);
          if (r === nullN) return;
          vals[row] = BigInt(r + zero);
          valid[row] = 1;
        },
        finish: () => settleValid(col),
      };
    }
    const vals = col.values as Int32Array;
    return {
      col,
      decode: (dv, base, row) => {
        const r = raw(dv, base + o);
        if (r === nullN) return;
        vals[row] = r + zero;
        valid[row] = 1;
      },
      finish: () => settleValid(col),
    };
  }
  const col = newColumn(f.name, 'float64', n);
  const vals = col.values as Float64Array, valid = col.valid!;
  const s = f.scale;
  return {
    col,
    decode: (dv, base, row) => {
      const r = raw(dv, base + o);
      if (r === nullN) return;
      vals[row] = zero + s * r;
      valid[row] = 1;
    },
    finish: () => settleValid(col),
  };
}

/** Rows read per chunk: about 4 MiB. */
const CHUNK_BYTES = 1 << 22;

/**
 * Reads the first BINTABLE of a FITS file (or buffer), decoding the columns
 * `want` (all when undefined). Throws a CatalogInputError naming the file and
 * the column when something cannot be read.
 */
export async function readFitsColumns(source: string | Uint8Array, want?: readonly string[] | ((names: string[]) => readonly string[]), label?: string): Promise<FitsTable> {
  const file = label ?? (typeof source === 'string' ? source : 'upload');
  const src = typeof source === 'string' ? await fileBytes(source) : bufferBytes(source);
  try {
    const head = await src.read(0, 30);
    if (Buffer.from(head).toString('latin1', 0, 9) !== 'SIMPLE  =') throw new CatalogInputError(file, [], `${file}: not a FITS file (it does not start with SIMPLE =)`);
    let at = 0;
    let h: FitsHeader;
    for (;;) {
      if (at >= src.size) throw new CatalogInputError(file, [], `${file}: no binary table (BINTABLE extension) in this FITS file`);
      h = await readHeader(src, at, file);
      if (at > 0 && h.string('XTENSION')?.trim() === 'BINTABLE') break;
      at += h.byteLength + dataBytes(h);
    }
    at += h.byteLength;
    let fs: FitsField[];
    try {
      fs = fields(h, file);
    } catch (err) {
      if (err instanceof CatalogInputError) throw err;
      throw new CatalogInputError(file, [], `${file}: ${(err as Error).message}`);
    }
    const rowBytes = h.int('NAXIS1'), n = h.int('NAXIS2');
    const names = fs.map((f) => f.name);
    const wanted = typeof want === 'function' ? want(names) : want ?? names;
    const decoders = wanted.map((w) => {
      const f = fs.find((x) => x.name === w);
      if (!f) throw new CatalogInputError(file, [], `${file}: no column '${w}' (columns: ${names.join(', ')})`);
      return decoderFor(f, n, file);
    });
    if (at + rowBytes * n > src.size) throw new CatalogInputError(file, [], `${file}: the table has ${n} rows of ${rowBytes} bytes but the file ends before them`);
    const perChunk = Math.max(1, Math.floor(CHUNK_BYTES / Math.max(1, rowBytes)));
    for (let r0 = 0; r0 < n; r0 += perChunk) {
      const k = Math.min(perChunk, n - r0);
      const b = await src.read(at + r0 * rowBytes, k * rowBytes);
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      for (const d of decoders) {
        const decode = d.decode;
        for (let i = 0; i < k; i++) decode(dv, i * rowBytes, r0 + i);
      }
    }
    const columns = new Map<string, Column>();
    decoders.forEach((d, i) => columns.set(wanted[i], d.finish()));
    return { rows: n, fields: fs, columns, bytes: src.size };
  } finally {
    await src.close();
  }
}
