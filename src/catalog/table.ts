// The columnar table shared by the catalog readers and writers (CSV, Parquet,
// Arrow) and by query results that are exported.

export type ColumnType = 'float64' | 'int32' | 'int64' | 'utf8' | 'bool';

export const COLUMN_TYPES: readonly ColumnType[] = ['float64', 'int32', 'int64', 'utf8', 'bool'];

export interface Column {
  name: string;
  type: ColumnType;
  /**
   * float64: Float64Array, int32: Int32Array, int64: BigInt64Array,
   * utf8: string[], bool: Uint8Array of 0/1. A null slot holds any value
   * (0, NaN or ''), its `valid` entry says it is null.
   */
  values: Float64Array | Int32Array | BigInt64Array | string[] | Uint8Array;
  /** 1 = present, 0 = null; absent means every value is present. */
  valid?: Uint8Array;
}

export interface ColumnTable {
  length: number;
  columns: Column[];
}

export type CellValue = number | bigint | string | boolean | null;

export function getColumn(table: ColumnTable, name: string): Column | undefined {
  return table.columns.find((c) => c.name === name);
}

/** The value of a column at a row, null when missing; int64 as bigint, bool as boolean. */
export function cellValue(col: Column, row: number): CellValue {
  if (col.valid && col.valid[row] === 0) return null;
  if (col.type === 'bool') return (col.values as Uint8Array)[row] === 1;
  return (col.values as ArrayLike<number | bigint | string>)[row];
}

/** One row as an object keyed by column name (for display and tests, not for hot loops). */
export function rowObject(table: ColumnTable, row: number): Record<string, CellValue> {
  const out: Record<string, CellValue> = {};
  for (const c of table.columns) out[c.name] = cellValue(c, row);
  return out;
}

const VALUE_KIND: Record<ColumnType, (v: unknown) => boolean> = {
  float64: (v) => v instanceof Float64Array,
  int32: (v) => v instanceof Int32Array,
  int64: (v) => v instanceof BigInt64Array,
  utf8: (v) => Array.isArray(v),
  bool: (v) => v instanceof Uint8Array,
};

/** Throws a TypeError/RangeError naming the column unless the table is well formed. */
export function checkTable(table: ColumnTable): void {
  if (!table || !Array.isArray(table.columns)) throw new TypeError('table must be { length, columns: Column[] }');
  if (!Number.isInteger(table.length) || table.length < 0) {
    throw new RangeError(`table.length must be an integer >= 0, got ${String(table.length)}`);
  }
  const seen = new Set<string>();
  for (const c of table.columns) {
    if (typeof c.name !== 'string' || c.name === '') throw new TypeError(`column name must be a non-empty string, got ${JSON.stringify(c.name)}`);
    if (seen.has(c.name)) throw new TypeError(`column '${c.name}' appears twice`);
    seen.add(c.name);
    if (!COLUMN_TYPES.includes(c.type)) throw new TypeError(`column '${c.name}': type must be one of ${COLUMN_TYPES.join(', ')}, got ${JSON.stringify(c.type)}`);
    if (!VALUE_KIND[c.type](c.values)) throw new TypeError(`column '${c.name}': values do not match type ${c.type}`);
    if (c.values.length !== table.length) {
      throw new RangeError(`column '${c.name}' has ${c.values.length} values, table.length is ${table.length}`);
    }
    if (c.valid && (!(c.valid instanceof Uint8Array) || c.valid.length !== table.length)) {
      throw new RangeError(`column '${c.name}': valid must be a Uint8Array of ${table.length}`);
    }
  }
}

/** The column restricted to the given rows, in that order. */
export function takeRows(col: Column, rows: ArrayLike<number>): Column {
  const n = rows.length;
  let values: Column['values'];
  if (Array.isArray(col.values)) {
    const src = col.values, out = new Array<string>(n);
    for (let k = 0; k < n; k++) out[k] = src[rows[k]];
    values = out;
  } else {
    const src = col.values as Float64Array | Int32Array | BigInt64Array | Uint8Array;
    const out = new (src.constructor as { new (n: number): typeof src })(n);
    for (let k = 0; k < n; k++) out[k] = src[rows[k]];
    values = out;
  }
  let valid: Uint8Array | undefined;
  if (col.valid) {
    valid = new Uint8Array(n);
    for (let k = 0; k < n; k++) valid[k] = col.valid[rows[k]];
  }
  return { name: col.name, type: col.type, values, valid };
}

const INT64_MIN = -(2n ** 63n), INT64_MAX = 2n ** 63n - 1n;

/**
 * A column of the given type from JavaScript values (null and undefined are
 * nulls), written at `offset` into `into` when given: for readers that get
 * their data in runs. Throws a RangeError naming the column when a value does
 * not fit the type (an int64 beyond 64 bits, an int32 beyond 32 bits).
 */
export function fillColumn(col: Column, offset: number, src: ArrayLike<unknown>, toText: (v: unknown) => string = String): number {
  const valid = col.valid!;
  let nulls = 0;
  const n = src.length;
  switch (col.type) {
    case 'float64': {
      const out = col.values as Float64Array;
      if (src instanceof Float64Array || src instanceof Float32Array || src instanceof Int32Array) {
        out.set(src, offset);
        valid.fill(1, offset, offset + n);
        return 0;
      }
      for (let i = 0; i < n; i++) {
        const v = src[i];
        if (v === null || v === undefined) { out[offset + i] = NaN; nulls++; continue; }
        out[offset + i] = Number(v);
        valid[offset + i] = 1;
      }
      return nulls;
    }
    case 'int32':
    case 'int64': {
      const is64 = col.type === 'int64';
      for (let i = 0; i < n; i++) {
        const v = src[i];
        if (v === null || v === undefined) { nulls++; continue; }
        if (is64) {
          const b = typeof v === 'bigint' ? v : BigInt(v as number);
          if (b < INT64_MIN || b > INT64_MAX) throw new RangeError(`column '${col.name}': ${b} does not fit int64`);
          (col.values as BigInt64Array)[offset + i] = b;
        } else {
          const x = Number(v);
          if (!(x >= -2147483648 && x <= 2147483647)) throw new RangeError(`column '${col.name}': ${x} does not fit int32`);
          (col.values as Int32Array)[offset + i] = x;
        }
        valid[offset + i] = 1;
      }
      return nulls;
    }
    case 'bool': {
      const out = col.values as Uint8Array;
      for (let i = 0; i < n; i++) {
        const v = src[i];
        if (v === null || v === undefined) { nulls++; continue; }
        out[offset + i] = v ? 1 : 0;
        valid[offset + i] = 1;
      }
      return nulls;
    }
    case 'utf8': {
      const out = col.values as string[];
      for (let i = 0; i < n; i++) {
        const v = src[i];
        if (v === null || v === undefined) { out[offset + i] = ''; nulls++; continue; }
        out[offset + i] = typeof v === 'string' ? v : toText(v);
        valid[offset + i] = 1;
      }
      return nulls;
    }
  }
}

/** An empty column of n rows, to be filled by fillColumn (valid allocated, all 0). */
export function newColumn(name: string, type: ColumnType, n: number): Column {
  const values = type === 'float64' ? new Float64Array(n)
    : type === 'int32' ? new Int32Array(n)
      : type === 'int64' ? new BigInt64Array(n)
        : type === 'bool' ? new Uint8Array(n)
          : new Array<string>(n).fill('');
  return { name, type, values, valid: new Uint8Array(n) };
}

/** Drops `valid` when every value is present (the convention: absent = all present). */
export function settleValid(col: Column): Column {
  if (col.valid && col.valid.indexOf(0) < 0) delete col.valid;
  return col;
}
