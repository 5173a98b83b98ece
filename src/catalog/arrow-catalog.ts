// Static catalogs as one Arrow IPC file, rows in index-key order, opened by
// memory-mapping each column (arrow-map.ts) with zero-copy views.
//
// File layout (an ordinary Arrow IPC file: DuckDB, pyarrow or Polars read it):
//   id, ra, dec          the catalog's id (as read: utf8 or int), position (deg)
//   <kept columns>       with their types and nulls
//   _key                 float64 (integer-valued) index key of each row, ascending
//   _x, _y, _z           float64 unit vector of each row (the exact test)
//   _run                 uint32: entries 0..size hold the run-offsets table (first row
//                        of each key run); entries after it repeat the row count. Absent
//                        when the table is longer than the catalog (tiny catalogs): it is
//                        then rebuilt from _key at open, which costs nothing at that size.
// Schema metadata 'skyjoin.catalog' (JSON): format version, name, rows, scheme and
// its parameters, run-table geometry, columns, coverage, default radius, source.

import { closeSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import * as A from 'apache-arrow';
import { mapArrowFile, type MappedTable } from './arrow-map.js';
import { fillRunTable, SkyIndex, type BuildOptions } from '../match/sky-index.js';
import type { IndexScheme, RunTable, SchemeRequest } from '../match/scheme.js';
import { computeCoverage, type Coverage } from './coverage.js';
import { arrowNumbers, checkMotionInfo, motionColumnNames, rowMotionOf, type CatalogMotionInfo } from './motion-columns.js';
import type { RowMotion } from '../match/motion.js';
import { checkErrorColumns, errorColumnNames, positionErrorsOf, type ErrorColumnsInfo } from './error-columns.js';
import type { PositionErrors } from '../match/position-errors.js';
import { cannotOpen } from './csv-errors.js';
import { isSystemError } from './fs-errors.js';
import type { Column, ColumnTable, ColumnType } from './table.js';
import { TextColumn } from './text.js';

export const CATALOG_META_KEY = 'skyjoin.catalog';
export const CATALOG_FORMAT_VERSION = 1;
const INDEX_COLUMNS = ['_key', '_x', '_y', '_z', '_run'];

export interface CatalogInfo {
  format: 'skyjoin-catalog';
  version: number;
  name: string;
  rows: number;
  scheme: IndexScheme;
  runTable: RunTable;
  runColumn: boolean;
  idType: ColumnType;
  columns: Array<{ name: string; type: ColumnType }>;
  coverage: Coverage;
  defaultRadiusArcsec?: number;
  /** The proper-motion columns, their units and reference epoch, when the rows move. */
  motion?: CatalogMotionInfo;
  /** The positional-uncertainty columns (sigma or ellipse) and their unit. */
  errors?: ErrorColumnsInfo;
  source?: Record<string, unknown>;
  createdAt: string;
}

export interface CatalogInput {
  name: string;
  /** The catalog's ids: texts (kept exactly) or a typed column (int ids). */
  ids: TextColumn | Column;
  ra: Float64Array;
  dec: Float64Array;
  extra?: ColumnTable;
  scheme?: SchemeRequest;
  /** Planner hint and the radius the service uses by default. */
  defaultRadiusArcsec?: number;
  /** Proper motions: which of the extra columns hold them, units, reference epoch. */
  motion?: CatalogMotionInfo;
  /** Positional uncertainties: which of the extra columns hold them. */
  errors?: ErrorColumnsInfo;
  source?: Record<string, unknown>;
  build?: BuildOptions;
}

function arrowType(t: ColumnType): A.DataType {
  switch (t) {
    case 'float64': return new A.Float64();
    case 'int32': return new A.Int32();
    case 'int64': return new A.Int64();
    case 'utf8': return new A.Utf8();
    case 'bool': return new A.Bool();
  }
}

// Decoded schemas hold generic Float / Int types, not the Float64 / Int32
// subclasses: test type ids, not classes.
function columnType(t: A.DataType): ColumnType | null {
  if (A.DataType.isFloat(t)) return 'float64';
  if (A.DataType.isInt(t)) return (t as A.Int).bitWidth === 64 ? 'int64' : 'int32';
  if (A.DataType.isUtf8(t) || A.DataType.isLargeUtf8(t)) return 'utf8';
  if (A.DataType.isBool(t)) return 'bool';
  return null;
}

/** Rows of a column in the given order (gather), keeping nulls. */
export function takeColumn(col: Column, order: Uint32Array): Column {
  const n = order.length;
  let values: Column['values'];
  if (Array.isArray(col.values)) {
    const src = col.values;
    values = Array.from(order, (i) => src[i]);
  } else {
    const src = col.values as Float64Array;
    const out = new (src.constructor as new (n: number) => Float64Array)(n);
    for (let k = 0; k < n; k++) out[k] = src[order[k]];
    values = out as Column['values'];
  }
  const valid = col.valid ? Uint8Array.from(order, (i) => col.valid![i]) : undefined;
  return { name: col.name, type: col.type, values, valid };
}

function toVector(col: Column): A.Vector {
  const type = arrowType(col.type);
  const n = col.values.length;
  const valid = col.valid;
  if (col.type === 'utf8' || col.type === 'bool') {
    const vals = col.type === 'bool'
      ? Array.from(col.values as Uint8Array, (v, i) => (valid && !valid[i] ? null : v === 1))
      : (col.values as string[]).map((v, i) => (valid && !valid[i] ? null : v));
    return A.vectorFromArray(vals, type);
  }
  let nullBitmap: Uint8Array | undefined;
  let nullCount = 0;
  if (valid) {
    nullBitmap = new Uint8Array(Math.ceil(n / 8));
    for (let i = 0; i < n; i++) {
      if (valid[i]) nullBitmap[i >> 3] |= 1 << (i & 7);
      else nullCount++;
    }
  }
  const props = { type, length: n, nullCount, nullBitmap: nullCount ? nullBitmap : undefined, data: col.values };
  return A.makeVector(A.makeData(props as never) as A.Data);
}

/** An Arrow Utf8 vector over the bytes and offsets of a TextColumn (no copy). */
function textVector(t: TextColumn): A.Vector {
  const props = { type: new A.Utf8(), length: t.length, nullCount: 0, valueOffsets: t.offsets, data: t.data };
  return A.makeVector(A.makeData(props as never) as A.Data);
}

/** Builds the index and writes the catalog file. Returns its description. */
export async function writeArrowCatalog(file: string, input: CatalogInput): Promise<CatalogInfo> {
  const n = input.ra.length;
  const idLength = input.ids instanceof TextColumn ? input.ids.length : input.ids.values.length;
  if (idLength !== n || input.dec.length !== n) throw new RangeError('ids, ra and dec differ in length');
  const index = SkyIndex.build(input.ra, input.dec, input.scheme ?? 'zones', {
    radiusArcsec: input.defaultRadiusArcsec ?? 2, ...input.build, rowIds: true,
  });
  const order = index.rowIds!;
  const extra = input.extra?.columns ?? [];
  for (const c of extra) {
    if (c.name === 'id' || c.name === 'ra' || c.name === 'dec' || INDEX_COLUMNS.includes(c.name)) {
      throw new RangeError(`column name '${c.name}' is reserved in a skyjoin catalog`);
    }
  }
  if (input.motion) {
    checkMotionInfo(input.motion);
    for (const c of motionColumnNames(input.motion)) {
      if (!extra.some((e) => e.name === c)) throw new RangeError(`motion column '${c}' is not among the catalog's kept columns`);
    }
  }
  if (input.errors) {
    checkErrorColumns(input.errors);
    for (const c of errorColumnNames(input.errors)) {
      if (!extra.some((e) => e.name === c)) throw new RangeError(`error column '${c}' is not among the catalog's kept columns`);
    }
  }
  const raSorted = new Float64Array(n), decSorted = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    raSorted[k] = input.ra[order[k]];
    decSorted[k] = input.dec[order[k]];
  }
  const rt = index.runTable;
  const runColumn = rt.size + 1 <= n;
  const vectors: Record<string, A.Vector> = {
    id: input.ids instanceof TextColumn ? textVector(input.ids.take(order)) : toVector({ ...takeColumn(input.ids, order), name: 'id' }),
    ra: A.makeVector(raSorted),
    dec: A.makeVector(decSorted),
  };
  for (const c of extra) vectors[c.name] = toVector(takeColumn(c, order));
  vectors._key = A.makeVector(index.keys);
  vectors._x = A.makeVector(index.x);
  vectors._y = A.makeVector(index.y);
  vectors._z = A.makeVector(index.z);
  if (runColumn) {
    const run = new Uint32Array(n).fill(n);
    run.set(index.table);
    vectors._run = A.makeVector(run);
  }
  const info: CatalogInfo = {
    format: 'skyjoin-catalog',
    version: CATALOG_FORMAT_VERSION,
    name: input.name,
    rows: n,
    scheme: index.scheme,
    runTable: rt,
    runColumn,
    idType: input.ids instanceof TextColumn ? 'utf8' : input.ids.type,
    columns: extra.map((c) => ({ name: c.name, type: c.type })),
    coverage: computeCoverage(raSorted, decSorted),
    defaultRadiusArcsec: input.defaultRadiusArcsec,
    ...(input.motion ? { motion: input.motion } : {}),
    ...(input.errors ? { errors: input.errors } : {}),
    source: input.source,
    createdAt: new Date().toISOString(),
  };
  const table = new A.Table(vectors);
  const schema = new A.Schema(table.schema.fields, new Map([[CATALOG_META_KEY, JSON.stringify(info)]]));
  const withMeta = new A.Table(schema, table.batches);
  // Streamed chunk by chunk (views of the columns): no copy of the whole file in memory.
  const writer = A.RecordBatchFileWriter.writeAll(withMeta);
  const fd = openSync(file, 'w');
  try {
    for await (const chunk of writer) {
      let off = 0;
      while (off < chunk.byteLength) off += writeSync(fd, chunk, off, chunk.byteLength - off);
    }
  } finally {
    closeSync(fd);
  }
  return info;
}

function f64(v: A.Vector | undefined, name: string): Float64Array {
  if (!v || v.data.length !== 1 || !(v.data[0].values instanceof Float64Array)) {
    throw new TypeError(`catalog column '${name}' is missing or not one float64 chunk`);
  }
  return v.data[0].values as Float64Array;
}

export class ArrowCatalog {
  readonly path: string;
  readonly info: CatalogInfo;
  private readonly mapped: MappedTable;
  private idCache: TextColumn | null = null;
  private indexCache: SkyIndex | null = null;
  private motionCache: RowMotion | null | undefined = undefined;

  private constructor(file: string, mapped: MappedTable, info: CatalogInfo) {
    this.path = file;
    this.mapped = mapped;
    this.info = info;
  }

  /**
   * Opens a built catalog: reads the footer and the record batch metadata
   * only. Columns are memory-mapped when first used, so opening costs the
   * same for 10^3 and 10^8 rows.
   */
  static open(file: string): ArrowCatalog {
    let mapped: MappedTable;
    try {
      mapped = mapArrowFile(file);
    } catch (err) {
      // A file that cannot be opened says why (no such file, permission denied), not "not an Arrow file".
      if (isSystemError(err)) throw cannotOpen(file, err);
      throw new TypeError(`${file} is not an Arrow IPC file: ${(err as Error).message}`);
    }
    return ArrowCatalog.fromMapped(file, mapped);
  }

  /** The catalog over an Arrow file already mapped (its footer read); checks its skyjoin metadata. */
  static fromMapped(file: string, mapped: MappedTable): ArrowCatalog {
    const raw = mapped.schema.metadata.get(CATALOG_META_KEY);
    if (!raw) throw new TypeError(`${file} is an Arrow file but not a skyjoin catalog (no '${CATALOG_META_KEY}' metadata): build it with 'skyjoin catalog build'`);
    const info = JSON.parse(raw) as CatalogInfo;
    if (info.format !== 'skyjoin-catalog' || info.version !== CATALOG_FORMAT_VERSION) {
      throw new TypeError(`${file}: unsupported catalog format ${info.format} v${info.version}`);
    }
    if (mapped.numRows !== info.rows) throw new TypeError(`${file}: metadata says ${info.rows} rows, the file holds ${mapped.numRows}`);
    return new ArrowCatalog(file, mapped, info);
  }

  get name(): string {
    return this.info.name;
  }

  get length(): number {
    return this.info.rows;
  }

  /** A column of the file (kept columns, id, ra, dec, and the index columns) as a zero-copy vector. */
  column(name: string): A.Vector | undefined {
    return this.mapped.column(name);
  }

  get ra(): Float64Array {
    return this.length ? f64(this.column('ra'), 'ra') : new Float64Array(0);
  }

  get dec(): Float64Array {
    return this.length ? f64(this.column('dec'), 'dec') : new Float64Array(0);
  }

  /** The index over the mapped key, vector and run-table columns (built on first use, no copy). */
  get index(): SkyIndex {
    if (this.indexCache) return this.indexCache;
    const info = this.info;
    const rt = info.runTable;
    const empty = new Float64Array(0);
    const keys = this.length ? f64(this.column('_key'), '_key') : empty;
    let runs: Uint32Array;
    if (info.runColumn) {
      runs = (this.column('_run')!.data[0].values as Uint32Array).subarray(0, rt.size + 1);
    } else {
      runs = new Uint32Array(rt.size + 1);
      fillRunTable(keys, rt, runs);
    }
    this.indexCache = SkyIndex.fromParts({
      scheme: info.scheme, runTable: rt, keys,
      x: this.length ? f64(this.column('_x'), '_x') : empty,
      y: this.length ? f64(this.column('_y'), '_y') : empty,
      z: this.length ? f64(this.column('_z'), '_z') : empty,
      table: runs, rowIds: null,
    });
    return this.indexCache;
  }

  /**
   * The rows' proper motions prepared for matching (rows in file order, as
   * the index reports them), or null when the catalog has none. Built on
   * first use from the mapped columns.
   */
  get motion(): RowMotion | null {
    if (this.motionCache === undefined) {
      const m = this.info.motion;
      this.motionCache = m
        ? rowMotionOf(this.ra, this.dec, m, (c) => {
          const v = this.column(c);
          if (!v) throw new TypeError(`${this.path}: motion column '${c}' is missing`);
          return arrowNumbers(v, this.length);
        })
        : null;
    }
    return this.motionCache;
  }

  /** The rows' positional uncertainties (arcsec), or null when the catalog has none. */
  get positionErrors(): PositionErrors | null {
    const e = this.info.errors;
    if (!e) return null;
    return positionErrorsOf(e, (c) => {
      const v = this.column(c);
      if (!v) throw new TypeError(`${this.path}: error column '${c}' is missing`);
      return arrowNumbers(v, this.length);
    });
  }

  /** The id of a row as text, exactly as it was read; integer ids are turned into text for that row only. */
  id(row: number): string {
    if (this.idCache) return this.idCache.get(row);
    const col = this.column('id');
    if (col && !A.DataType.isUtf8(col.type)) return String(col.get(row));
    return this.ids().get(row);
  }

  /** Every id as text: a view on the mapped file for text ids, built once for integer ids. */
  ids(): TextColumn {
    if (!this.idCache) {
      const col = this.column('id');
      if (!col || this.length === 0) {
        this.idCache = TextColumn.fromStrings([]);
      } else if (A.DataType.isUtf8(col.type) && col.data.length === 1 && col.data[0].valueOffsets instanceof Int32Array) {
        this.idCache = new TextColumn(col.data[0].valueOffsets.subarray(0, this.length + 1), col.data[0].values as Uint8Array);
      } else {
        this.idCache = TextColumn.fromStrings(Array.from({ length: this.length }, (_, i) => String(col.get(i))));
      }
    }
    return this.idCache;
  }

  /** Names of the kept columns. */
  columnNames(): string[] {
    return this.info.columns.map((c) => c.name);
  }

  /** Values of the given columns for some rows (JSON-ready: int64 as string). */
  values(rows: ArrayLike<number>, columns: readonly string[]): Array<Record<string, unknown>> {
    const vecs = columns.map((c) => {
      const v = INDEX_COLUMNS.includes(c) ? undefined : this.column(c);
      if (!v) throw new RangeError(`catalog '${this.name}' has no column '${c}'`);
      return v;
    });
    return Array.from(rows, (r) => {
      const o: Record<string, unknown> = {};
      for (let k = 0; k < columns.length; k++) {
        const val = vecs[k].get(r);
        o[columns[k]] = typeof val === 'bigint' ? val.toString() : val;
      }
      return o;
    });
  }
}

/** The columns of any Arrow IPC table (not only skyjoin's), for catalog build. */
export function arrowColumns(table: A.Table): Column[] {
  const out: Column[] = [];
  for (const field of table.schema.fields) {
    const t = columnType(field.type);
    if (!t) continue;
    const v = table.getChild(field.name)!;
    const n = v.length;
    let values: Column['values'];
    let valid: Uint8Array | undefined;
    if (v.nullCount > 0) valid = Uint8Array.from({ length: n }, (_, i) => (v.isValid(i) ? 1 : 0));
    if (t === 'utf8') values = Array.from({ length: n }, (_, i) => (v.get(i) ?? '') as string);
    else if (t === 'bool') values = Uint8Array.from({ length: n }, (_, i) => (v.get(i) ? 1 : 0));
    else if (t === 'int64') values = BigInt64Array.from({ length: n }, (_, i) => BigInt(v.get(i) ?? 0));
    else if (t === 'int32') values = Int32Array.from({ length: n }, (_, i) => Number(v.get(i) ?? 0));
    else values = Float64Array.from({ length: n }, (_, i) => Number(v.get(i) ?? NaN));
    out.push({ name: field.name, type: t, values, valid });
  }
  return out;
}

export function catalogNameOf(file: string): string {
  return path.basename(file).replace(/\.arrow$/i, '');
}
