// The columnar table shared by the catalog readers and writers.

export type ColumnType = 'float64' | 'int32' | 'int64' | 'utf8' | 'bool';

export interface Column {
  name: string;
  type: ColumnType;
  values: Float64Array | Int32Array | BigInt64Array | string[] | Uint8Array;
  /** 1 = present, 0 = null; absent means every value is present. */
  valid?: Uint8Array;
}

export interface ColumnTable {
  length: number;
  columns: Column[];
}

export function getColumn(table: ColumnTable, name: string): Column | undefined {
  return table.columns.find((c) => c.name === name);
}

/** The value of a column at a row, null when missing; int64 as bigint, bool as boolean. */
export function cellValue(col: Column, row: number): number | bigint | string | boolean | null {
  if (col.valid && col.valid[row] === 0) return null;
  if (col.type === 'bool') return (col.values as Uint8Array)[row] === 1;
  return (col.values as ArrayLike<number | bigint | string>)[row];
}
