// Parquet in and out, with hyparquet and hyparquet-writer (pure JavaScript,
// no native build, no dependencies beyond each other; see the README for why
// they were chosen over parquetjs-lite and @dsnp/parquetjs).

import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import { parquetWriteFile } from 'hyparquet-writer';
import { CatalogInputError, typeColumn, type BadRow, type PositionTable, type ReadOptions } from './csv.js';
import type { Column, ColumnTable } from './table.js';
import { TextColumn } from './text.js';

type Cell = unknown;

/** Reads id, ra, dec (and kept columns) from a Parquet file, with the CSV reader's checks. */
export async function readParquetTable(file: string, opts: ReadOptions = {}): Promise<PositionTable> {
  const idCol = opts.idCol ?? 'id', raCol = opts.raCol ?? 'ra', decCol = opts.decCol ?? 'dec';
  const keep = opts.keep ?? [];
  let asyncBuffer;
  let names: string[];
  try {
    asyncBuffer = await asyncBufferFromFile(file);
    const meta = await parquetMetadataAsync(asyncBuffer);
    names = parquetSchema(meta).children.map((c) => c.element.name);
  } catch (err) {
    throw new CatalogInputError(file, [], `${file}: not a readable Parquet file: ${(err as Error).message}`);
  }
  for (const [c, what] of [[idCol, 'id'], [raCol, 'ra'], [decCol, 'dec'], ...keep.map((k) => [k, 'kept'])] as const) {
    if (!names.includes(c)) throw new CatalogInputError(file, [], `${file}: missing ${what} column '${c}' (columns: ${names.join(', ')})`);
  }
  const wanted = [idCol, raCol, decCol, ...keep];
  const cols = new Map<string, Cell[]>();
  for (const c of wanted) cols.set(c, []);
  await parquetRead({
    file: asyncBuffer,
    columns: wanted,
    onChunk: ({ columnName, columnData }) => {
      const dst = cols.get(columnName)!;
      for (let i = 0; i < columnData.length; i++) dst.push(columnData[i]);
    },
  });
  const n = cols.get(idCol)!.length;
  const onBad = opts.onBad ?? 'fail';
  const maxErrors = opts.maxErrors ?? 20;
  const bad: BadRow[] = [];
  const ids: string[] = [];
  const ra: number[] = [], dec: number[] = [];
  const keptRows: number[] = [];
  const idv = cols.get(idCol)!, rav = cols.get(raCol)!, decv = cols.get(decCol)!;
  for (let i = 0; i < n && !(onBad === 'fail' && bad.length >= maxErrors); i++) {
    // Parquet has no lines: `line` is the data row number (1-based) plus 1, as if a header came first.
    const at = (column: string, value: Cell, reason: string): void => {
      bad.push({ file, line: i + 2, column, value: String(value), reason });
    };
    const id = idv[i];
    if (id === null || id === undefined || String(id).trim() === '') { at(idCol, id, 'missing id'); continue; }
    let r = Number(rav[i]);
    const d = Number(decv[i]);
    if (rav[i] === null || !Number.isFinite(r)) { at(raCol, rav[i], `ra must be a finite number of degrees, got '${String(rav[i])}'`); continue; }
    if (decv[i] === null || !(d >= -90 && d <= 90)) { at(decCol, decv[i], `dec must be in [-90, 90], got ${String(decv[i])}`); continue; }
    if (!(r >= 0 && r < 360)) { r %= 360; if (r < 0) r += 360; if (r >= 360) r = 0; }
    ids.push(typeof id === 'bigint' ? id.toString() : String(id));
    ra.push(r);
    dec.push(d);
    keptRows.push(i);
  }
  if (bad.length > 0 && onBad === 'fail') throw new CatalogInputError(file, bad.slice(0, maxErrors));
  const extra: ColumnTable = {
    length: keptRows.length,
    columns: keep.map((name) => {
      const src = cols.get(name)!;
      return typeColumn(name, keptRows.map((i) => (src[i] === null || src[i] === undefined ? '' : typeof src[i] === 'bigint' ? (src[i] as bigint).toString() : String(src[i]))));
    }),
  };
  opts.onProgress?.(ids.length, 0);
  return { ids: TextColumn.fromStrings(ids), ra: Float64Array.from(ra), dec: Float64Array.from(dec), extra, rows: ids.length, bad };
}

const PARQUET_TYPE = { float64: 'DOUBLE', int32: 'INT32', int64: 'INT64', utf8: 'STRING', bool: 'BOOLEAN' } as const;

function columnData(c: Column): unknown[] | Float64Array | Int32Array | BigInt64Array {
  if (!c.valid && (c.type === 'float64' || c.type === 'int32' || c.type === 'int64')) {
    return c.values as Float64Array | Int32Array | BigInt64Array;
  }
  const out: unknown[] = new Array(c.values.length);
  for (let i = 0; i < c.values.length; i++) {
    if (c.valid && !c.valid[i]) out[i] = null;
    else out[i] = c.type === 'bool' ? (c.values as Uint8Array)[i] === 1 : (c.values as ArrayLike<unknown>)[i];
  }
  return out;
}

/** Writes any column table (a catalog, a query result) as a Parquet file (snappy). */
export function writeParquetTable(file: string, table: ColumnTable, kv: Record<string, string> = {}): void {
  parquetWriteFile({
    filename: file,
    columnData: table.columns.map((c) => ({ name: c.name, data: columnData(c) as never, type: PARQUET_TYPE[c.type] })),
    kvMetadata: Object.entries(kv).map(([key, value]) => ({ key, value })),
    createdBy: 'skyjoin',
  });
}
