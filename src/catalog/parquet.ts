// Parquet in and out with hyparquet and hyparquet-writer: pure JavaScript, no
// native build, no dependencies beyond each other, and the fastest of the
// JavaScript Parquet libraries measured (see the README's Parquet note).
// Reading gives the CSV reader's result and checks; writing takes any
// ColumnTable (a catalog, a query result).

import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema, type AsyncBuffer, type ColumnData, type Compressors, type FileMetaData, type SchemaElement } from 'hyparquet';
import { parquetWriteFile } from 'hyparquet-writer';
import zlib from 'node:zlib';
import { normalizeRa } from '../sky/angles.js';
import { badRowsError, cannotOpen, CatalogInputError, checkReadOptions, decReason, raReason, type BadRow } from './csv-errors.js';
import { BytesBuilder } from './csv-columns.js';
import { parseNumberField } from './csv-parse.js';
import type { PositionTable, ReadOptions } from './csv.js';
import { checkTable, fillColumn, newColumn, settleValid, takeRows, type Column, type ColumnTable, type ColumnType } from './table.js';
import { TextColumn } from './text.js';

type Codec = (input: Uint8Array) => Uint8Array;
const zstd = zlib as unknown as { zstdCompressSync?: Codec; zstdDecompressSync?: Codec };

// Snappy is built into hyparquet; Node's zlib adds the rest it has (ZSTD from Node 22.15 on).
const DECOMPRESSORS: Compressors = {
  GZIP: (b) => zlib.gunzipSync(b),
  BROTLI: (b) => zlib.brotliDecompressSync(b),
  ...(zstd.zstdDecompressSync ? { ZSTD: zstd.zstdDecompressSync } : {}),
};

export type ParquetCodec = 'SNAPPY' | 'GZIP' | 'BROTLI' | 'ZSTD' | 'UNCOMPRESSED';

const COMPRESSORS: Partial<Record<ParquetCodec, Codec>> = {
  GZIP: (b) => zlib.gzipSync(b),
  BROTLI: (b) => zlib.brotliCompressSync(b),
  ...(zstd.zstdCompressSync ? { ZSTD: zstd.zstdCompressSync } : {}),
};

/** The column type a Parquet leaf is read as; timestamps, dates, times and other logical types become text. */
function columnType(el: SchemaElement): ColumnType | 'nested' {
  if (el.num_children) return 'nested';
  const lt = el.logical_type, ct = el.converted_type;
  if (lt?.type === 'DECIMAL' || ct === 'DECIMAL' || lt?.type === 'FLOAT16') return 'float64';
  switch (el.type) {
    case 'BOOLEAN': return 'bool';
    case 'FLOAT': case 'DOUBLE': return 'float64';
    case 'INT32':
      if (lt?.type === 'DATE' || lt?.type === 'TIME' || ct === 'DATE' || ct === 'TIME_MILLIS') return 'utf8';
      return ct === 'UINT_32' || (lt?.type === 'INTEGER' && !lt.isSigned && lt.bitWidth === 32) ? 'int64' : 'int32';
    case 'INT64':
      if (lt?.type === 'TIMESTAMP' || lt?.type === 'TIME' || (ct && ct.startsWith('TIME'))) return 'utf8';
      return 'int64';
    default: return 'utf8';
  }
}

function toText(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (typeof v === 'object') return JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x));
  return String(v);
}

async function openParquet(file: string): Promise<{ buffer: AsyncBuffer; meta: FileMetaData; leaves: SchemaElement[] }> {
  let buffer: AsyncBuffer;
  try {
    buffer = await asyncBufferFromFile(file);
  } catch (err) {
    throw cannotOpen(file, err);
  }
  try {
    const meta = await parquetMetadataAsync(buffer);
    return { buffer, meta, leaves: parquetSchema(meta).children.map((c) => c.element) };
  } catch (err) {
    throw new CatalogInputError(file, [], `${file}: not a readable Parquet file: ${(err as Error).message}`);
  }
}

interface ReadColumn {
  col: Column;
  /** utf8 columns: the values as UTF-8 bytes (strings are made only when asked for). */
  text?: BytesBuilder;
}

// Strings stay bytes: ids go into a TextColumn without ever being JavaScript strings.
const PARSERS = { stringFromBytes: (b: Uint8Array) => b };

/** Reads whole columns, each as a Column of its Parquet type; rows in file order. */
async function readColumns(file: string, buffer: AsyncBuffer, meta: FileMetaData, els: SchemaElement[]): Promise<ReadColumn[]> {
  const n = Number(meta.num_rows);
  const cols: ReadColumn[] = els.map((el) => {
    const t = columnType(el);
    if (t === 'nested') throw new CatalogInputError(file, [], `${file}: column '${el.name}' is nested (a struct, list or map): not supported`);
    return t === 'utf8'
      ? { col: { name: el.name, type: t, values: [], valid: new Uint8Array(n) }, text: new BytesBuilder() }
      : { col: newColumn(el.name, t, n) };
  });
  const index = new Map(els.map((e, i) => [e.name, i]));
  // hyparquet hands out row groups in the order they finish, not file order: runs are put back in order.
  const runs: ColumnData[] = [];
  try {
    await parquetRead({
      file: buffer, metadata: meta, columns: els.map((e) => e.name), compressors: DECOMPRESSORS,
      parsers: PARSERS, onChunk: (c) => runs.push(c),
    });
    runs.sort((a, b) => index.get(a.columnName)! - index.get(b.columnName)! || a.rowStart - b.rowStart);
    for (const run of runs) {
      const rc = cols[index.get(run.columnName)!];
      if (rc.text) appendText(rc.text, rc.col.valid!, run.rowStart, run.columnData);
      else fillColumn(rc.col, run.rowStart, run.columnData, toText);
    }
  } catch (err) {
    if (err instanceof CatalogInputError) throw err;
    const msg = (err as Error).message;
    const codec = /unsupported compression codec: (\w+)/.exec(msg)?.[1];
    if (codec) {
      const known = ['UNCOMPRESSED', 'SNAPPY', ...Object.keys(DECOMPRESSORS)].join(', ');
      throw new CatalogInputError(file, [], `${file}: data compressed with ${codec}, which cannot be read here (Node ${process.version} reads ${known})`);
    }
    throw new CatalogInputError(file, [], `${file}: cannot read Parquet data: ${msg}`);
  }
  for (const rc of cols) settleValid(rc.col);
  return cols;
}

function appendText(text: BytesBuilder, valid: Uint8Array, rowStart: number, data: ArrayLike<unknown>): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v === null || v === undefined) { text.push(EMPTY, 0, 0, false); continue; }
    const b = v instanceof Uint8Array ? v : Buffer.from(toText(v));
    text.push(b, 0, b.length, false);
    valid[rowStart + i] = 1;
  }
}

const EMPTY = new Uint8Array(0);

/** The Column of a ReadColumn, strings made now for utf8. */
function materialize(rc: ReadColumn): Column {
  if (rc.text && rc.col.values.length === 0 && rc.text.length > 0) rc.col.values = rc.text.strings();
  return rc.col;
}

/** Numbers of an ra or dec column, with the text shown when one is refused. */
function positions(file: string, col: Column): { values: Float64Array; text: (i: number) => string; parsed: (i: number) => number | undefined } {
  const n = col.values.length, valid = col.valid;
  const present = (i: number) => !valid || valid[i] === 1;
  if (col.type === 'utf8') {
    const src = col.values as string[];
    const values = new Float64Array(n);
    const parsed = (i: number) => {
      if (!present(i)) return undefined;
      const b = Buffer.from(src[i]);
      return parseNumberField(b, 0, b.length);
    };
    for (let i = 0; i < n; i++) values[i] = parsed(i) ?? NaN;
    return { values, text: (i) => (present(i) ? src[i].trim() : ''), parsed };
  }
  if (col.type === 'bool') throw new CatalogInputError(file, [], `${file}: column '${col.name}' holds booleans, not degrees`);
  const values = col.type === 'float64' ? (col.values as Float64Array) : Float64Array.from(col.values as ArrayLike<number | bigint>, Number);
  if (valid) for (let i = 0; i < n; i++) if (!valid[i]) values[i] = NaN;
  return { values, text: (i) => (present(i) ? String(values[i]) : ''), parsed: (i) => values[i] };
}

/** Ids as UTF-8 bytes; an empty or null id has zero length. Numbers are written in decimal. */
function idColumn(rc: ReadColumn): TextColumn {
  if (rc.text) return rc.text.finish();
  const col = rc.col, n = col.values.length, out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = col.valid && !col.valid[i] ? '' : String(col.type === 'bool' ? col.values[i] === 1 : col.values[i]);
  return TextColumn.fromStrings(out);
}

/**
 * Reads id, ra, dec (and kept columns, with their Parquet types) from a
 * Parquet file, with the CSV reader's checks and messages. A BadRow's line
 * is the data row number plus 1, as if a header line came first.
 */
export async function readParquetTable(file: string, opts: ReadOptions = {}): Promise<PositionTable> {
  checkReadOptions(opts);
  const idCol = opts.idCol ?? 'id', raCol = opts.raCol ?? 'ra', decCol = opts.decCol ?? 'dec';
  const keep = opts.keep ?? [];
  const failFast = (opts.onBad ?? 'fail') === 'fail';
  const maxErrors = opts.maxErrors ?? 20;
  const { buffer, meta, leaves } = await openParquet(file);
  const names = leaves.map((l) => l.name);
  const want: Array<[string, string]> = [[idCol, 'id'], [raCol, 'ra'], [decCol, 'dec'], ...keep.map((k): [string, string] => [k, 'kept'])];
  const missing = want.filter(([c]) => !names.includes(c)).map(([c, role]) => `${role} column '${c}'`);
  if (missing.length) {
    const also = missing.length > 1 ? `; also missing: ${missing.slice(1).join(', ')}` : '';
    throw new CatalogInputError(file, [], `${file}: missing ${missing[0]} in the schema (columns: ${names.join(', ')})${also}`);
  }
  const unique = [...new Set(want.map(([c]) => c))];
  const cols = await readColumns(file, buffer, meta, unique.map((c) => leaves[names.indexOf(c)]));
  const col = (name: string) => cols[unique.indexOf(name)];

  const n = Number(meta.num_rows);
  const ids = idColumn(col(idCol));
  const idEnd = ids.offsets;
  const ra = positions(file, materialize(col(raCol))), dec = positions(file, materialize(col(decCol)));
  const bad: BadRow[] = [];
  const good = new Int32Array(n);
  let rows = 0, i = 0;
  for (; i < n; i++) {
    const line = i + 2;
    const r = ra.values[i], d = dec.values[i];
    if (idEnd[i + 1] === idEnd[i]) bad.push({ file, line, column: idCol, value: '', reason: 'missing id' });
    else if (!(r - r === 0)) bad.push({ file, line, column: raCol, value: ra.text(i), reason: raReason(ra.parsed(i), ra.text(i)) });
    else if (!(d >= -90 && d <= 90)) bad.push({ file, line, column: decCol, value: dec.text(i), reason: decReason(dec.parsed(i), dec.text(i)) });
    else { good[rows++] = i; continue; }
    if (failFast && bad.length >= maxErrors) break;
  }
  if (failFast && bad.length > 0) throw badRowsError(file, bad, maxErrors, i < n - 1);

  const all = rows === n;
  const keepRows = good.subarray(0, rows);
  const raOut = new Float64Array(rows), decOut = new Float64Array(rows);
  for (let k = 0; k < rows; k++) {
    raOut[k] = normalizeRa(ra.values[keepRows[k]]);
    decOut[k] = dec.values[keepRows[k]];
  }
  const extra: ColumnTable = { length: rows, columns: keep.map((k) => (all ? materialize(col(k)) : takeRows(materialize(col(k)), keepRows))) };
  opts.onProgress?.(rows, buffer.byteLength);
  return { ids: all ? ids : ids.take(keepRows), ra: raOut, dec: decOut, extra, rows, bad };
}

export interface ParquetWriteOptions {
  /** Default 'SNAPPY' (what Spark, DuckDB and pyarrow write by default); ZSTD needs Node >= 22.15. */
  codec?: ParquetCodec;
  /** Rows per row group (default 100,000). */
  rowGroupSize?: number;
}

const PARQUET_TYPE = { float64: 'DOUBLE', int32: 'INT32', int64: 'INT64', utf8: 'STRING', bool: 'BOOLEAN' } as const;

/** A column as hyparquet-writer takes it: typed arrays as they are, nulls as null. */
function columnSource(c: Column) {
  const type = PARQUET_TYPE[c.type];
  if (!c.valid && c.type !== 'bool') return { name: c.name, type, data: c.values, nullable: false };
  const n = c.values.length, out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) {
    out[i] = c.valid && !c.valid[i] ? null : c.type === 'bool' ? c.values[i] === 1 : c.values[i];
  }
  return { name: c.name, type, data: out, nullable: c.valid !== undefined };
}

/**
 * Writes any column table (a catalog, a query result) as one Parquet file.
 * A column with `valid` is written OPTIONAL (nullable), one without REQUIRED.
 * `kv` goes into the file's key-value metadata.
 */
export function writeParquetTable(file: string, table: ColumnTable, kv: Record<string, string> = {}, opts: ParquetWriteOptions = {}): void {
  checkTable(table);
  const codec = opts.codec ?? 'SNAPPY';
  if (codec !== 'SNAPPY' && codec !== 'UNCOMPRESSED' && !COMPRESSORS[codec]) {
    throw new RangeError(`codec must be one of SNAPPY, UNCOMPRESSED, ${Object.keys(COMPRESSORS).join(', ')} on Node ${process.version}, got ${JSON.stringify(codec)}`);
  }
  const rowGroupSize = opts.rowGroupSize ?? 100_000;
  if (!Number.isInteger(rowGroupSize) || rowGroupSize < 1) throw new RangeError(`rowGroupSize must be an integer >= 1, got ${rowGroupSize}`);
  parquetWriteFile({
    filename: file,
    columnData: table.columns.map(columnSource) as Parameters<typeof parquetWriteFile>[0]['columnData'],
    codec,
    compressors: COMPRESSORS,
    rowGroupSize,
    kvMetadata: Object.entries(kv).map(([key, value]) => ({ key, value })),
    createdBy: 'skyjoin',
  });
}
