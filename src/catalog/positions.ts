// One entry point for "a file of positions": CSV, gzip CSV, Parquet, an Arrow
// IPC file, or a catalog built by `skyjoin catalog build`, told apart by their
// first bytes, not their names.

import { open } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import * as A from 'apache-arrow';
import type { SkyIndex } from '../match/sky-index.js';
import { ArrowCatalog, CATALOG_META_KEY, arrowColumns } from './arrow-catalog.js';
import { CatalogInputError, readCatalogCsv, typeColumn, type BadRow, type PositionTable, type ReadOptions } from './csv.js';
import { cannotOpen } from './csv-errors.js';
import { readParquetTable } from './parquet.js';
import { TextColumn } from './text.js';

export type FileFormat = 'csv' | 'parquet' | 'arrow';

export async function sniffFormat(file: string): Promise<FileFormat> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    throw cannotOpen(file, err);
  }
  try {
    const b = Buffer.alloc(6);
    const { bytesRead } = await fh.read(b, 0, 6, 0);
    if (bytesRead >= 4 && b.toString('latin1', 0, 4) === 'PAR1') return 'parquet';
    if (bytesRead === 6 && b.toString('latin1', 0, 6) === 'ARROW1') return 'arrow';
    return 'csv';
  } finally {
    await fh.close();
  }
}

export interface Positions extends PositionTable {
  format: FileFormat;
  /** The built index, when the file is a skyjoin catalog (rows are in its key order). */
  index?: SkyIndex;
  catalog?: ArrowCatalog;
}

/** Reads positions (and kept columns) from any supported file, with the same checks for all. */
export async function loadPositions(file: string, opts: ReadOptions = {}): Promise<Positions> {
  const format = await sniffFormat(file);
  if (format === 'csv') return { format, ...(await readCatalogCsv(file, opts)) };
  if (format === 'parquet') return { format, ...(await readParquetTable(file, opts)) };
  const probe = A.tableFromIPC(readFileSync(file)).schema.metadata.get(CATALOG_META_KEY);
  if (probe) {
    const catalog = ArrowCatalog.open(file);
    const keep = opts.keep ?? [];
    for (const k of keep) if (!catalog.columnNames().includes(k)) throw new CatalogInputError(file, [], `${file}: catalog has no column '${k}' (columns: ${catalog.columnNames().join(', ')})`);
    const extra = { length: catalog.length, columns: keep.map((name) => {
      const v = catalog.column(name)!;
      return typeColumn(name, Array.from({ length: catalog.length }, (_, i) => { const x = v.get(i); return x === null ? '' : String(x); }));
    }) };
    return { format, ids: catalog.ids(), ra: catalog.ra, dec: catalog.dec, extra, rows: catalog.length, bad: [], index: catalog.index, catalog };
  }
  return readArrowPositions(file, opts);
}

function readArrowPositions(file: string, opts: ReadOptions): Positions {
  const idCol = opts.idCol ?? 'id', raCol = opts.raCol ?? 'ra', decCol = opts.decCol ?? 'dec';
  const cols = arrowColumns(A.tableFromIPC(readFileSync(file)));
  const get = (name: string, what: string) => {
    const c = cols.find((x) => x.name === name);
    if (!c) throw new CatalogInputError(file, [], `${file}: missing ${what} column '${name}' (columns: ${cols.map((x) => x.name).join(', ')})`);
    return c;
  };
  const id = get(idCol, 'id'), ra = get(raCol, 'ra'), dec = get(decCol, 'dec');
  const keep = (opts.keep ?? []).map((k) => get(k, 'kept'));
  const n = id.values.length;
  const bad: BadRow[] = [];
  const rows: number[] = [];
  const ids: string[] = [], raOut: number[] = [], decOut: number[] = [];
  for (let i = 0; i < n; i++) {
    const at = (column: string, value: unknown, reason: string) => bad.push({ file, line: i + 2, column, value: String(value), reason });
    const idv = id.valid && !id.valid[i] ? '' : String((id.values as ArrayLike<unknown>)[i]);
    const r = ra.valid && !ra.valid[i] ? NaN : Number((ra.values as ArrayLike<number>)[i]);
    const d = dec.valid && !dec.valid[i] ? NaN : Number((dec.values as ArrayLike<number>)[i]);
    if (idv.trim() === '') { at(idCol, idv, 'missing id'); continue; }
    if (!Number.isFinite(r)) { at(raCol, r, `ra must be a finite number of degrees, got ${r}`); continue; }
    if (!(d >= -90 && d <= 90)) { at(decCol, d, `dec must be in [-90, 90], got ${d}`); continue; }
    ids.push(idv);
    raOut.push(((r % 360) + 360) % 360);
    decOut.push(d);
    rows.push(i);
  }
  if (bad.length > 0 && (opts.onBad ?? 'fail') === 'fail') throw new CatalogInputError(file, bad.slice(0, opts.maxErrors ?? 20));
  const extra = { length: rows.length, columns: keep.map((c) => typeColumn(c.name, rows.map((i) => (c.valid && !c.valid[i] ? '' : String((c.values as ArrayLike<unknown>)[i]))))) };
  return { format: 'arrow', ids: TextColumn.fromStrings(ids), ra: Float64Array.from(raOut), dec: Float64Array.from(decOut), extra, rows: ids.length, bad };
}
