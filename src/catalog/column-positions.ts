// Positions from a table read as whole columns (FITS, VOTable): id, ra, dec
// and kept columns, with the CSV reader's checks and messages. A BadRow's
// line is the data row number plus 1, as if a header line came first (as for
// Parquet): a CSV and its FITS copy report the same numbers.

import { normalizeRa } from '../sky/angles.js';
import { badRowsError, CatalogInputError, checkReadOptions, decReason, raReason, type BadRow } from './csv-errors.js';
import type { PositionTable, ReadOptions } from './csv.js';
import { takeRows, type Column, type ColumnTable } from './table.js';
import { TextColumn } from './text.js';

/** The columns to read for these options: id, ra, dec and kept, each once. */
export function wantedColumns(opts: ReadOptions): string[] {
  return [...new Set([opts.idCol ?? 'id', opts.raCol ?? 'ra', opts.decCol ?? 'dec', ...(opts.keep ?? [])])];
}

/** Throws naming the first wanted column the file lacks (and the ones it has). */
export function checkColumnsPresent(file: string, names: readonly string[], opts: ReadOptions): void {
  const want: Array<[string, string]> = [[opts.idCol ?? 'id', 'id'], [opts.raCol ?? 'ra', 'ra'], [opts.decCol ?? 'dec', 'dec'], ...(opts.keep ?? []).map((k): [string, string] => [k, 'kept'])];
  const missing = want.filter(([c]) => !names.includes(c)).map(([c, role]) => `${role} column '${c}'`);
  if (missing.length) {
    const also = missing.length > 1 ? `; also missing: ${missing.slice(1).join(', ')}` : '';
    throw new CatalogInputError(file, [], `${file}: missing ${missing[0]} (columns: ${names.join(', ')})${also}`);
  }
}

function present(col: Column, i: number): boolean {
  return !col.valid || col.valid[i] === 1;
}

/** A value as text, exactly (int64 in decimal, floats as JavaScript writes them). */
function text(col: Column, i: number): string {
  if (!present(col, i)) return '';
  const v = col.values[i];
  return col.type === 'bool' ? String(v === 1) : String(v);
}

function numbers(file: string, col: Column): { values: Float64Array; parsed: (i: number) => number | undefined } {
  const n = col.values.length;
  if (col.type === 'bool') throw new CatalogInputError(file, [], `${file}: column '${col.name}' holds booleans, not degrees`);
  const values = new Float64Array(n);
  const parsed = (i: number): number | undefined => {
    if (!present(col, i)) return undefined;
    if (col.type !== 'utf8') return Number(col.values[i]);
    const s = (col.values[i] as string).trim();
    const x = s === '' ? NaN : Number(s);
    return Number.isNaN(x) && s !== 'NaN' ? undefined : x;
  };
  for (let i = 0; i < n; i++) values[i] = parsed(i) ?? NaN;
  return { values, parsed };
}

/** Reads positions out of whole columns, with the CSV reader's checks. */
export function positionsFromColumns(file: string, n: number, column: (name: string) => Column, opts: ReadOptions, bytes: number): PositionTable {
  checkReadOptions(opts);
  const idCol = opts.idCol ?? 'id', raCol = opts.raCol ?? 'ra', decCol = opts.decCol ?? 'dec';
  const failFast = (opts.onBad ?? 'fail') === 'fail';
  const maxErrors = opts.maxErrors ?? 20;
  const idC = column(idCol);
  const ra = numbers(file, column(raCol)), dec = numbers(file, column(decCol));
  const raC = column(raCol), decC = column(decCol);
  const bad: BadRow[] = [];
  const good = new Int32Array(n);
  let rows = 0, i = 0;
  const idTexts = new Array<string>(n);
  for (; i < n; i++) {
    const line = i + 2;
    const id = text(idC, i);
    idTexts[i] = id;
    const r = ra.values[i], d = dec.values[i];
    if (id === '') bad.push({ file, line, column: idCol, value: '', reason: 'missing id' });
    else if (!(r - r === 0)) bad.push({ file, line, column: raCol, value: text(raC, i).trim(), reason: raReason(ra.parsed(i), text(raC, i).trim()) });
    else if (!(d >= -90 && d <= 90)) bad.push({ file, line, column: decCol, value: text(decC, i).trim(), reason: decReason(dec.parsed(i), text(decC, i).trim()) });
    else { good[rows++] = i; continue; }
    if (failFast && bad.length >= maxErrors) break;
  }
  if (failFast && bad.length > 0) throw badRowsError(file, bad, maxErrors, i < n - 1);
  const keepRows = good.subarray(0, rows);
  const all = rows === n;
  const raOut = new Float64Array(rows), decOut = new Float64Array(rows);
  const ids = new Array<string>(rows);
  for (let k = 0; k < rows; k++) {
    const j = keepRows[k];
    raOut[k] = normalizeRa(ra.values[j]);
    decOut[k] = dec.values[j];
    ids[k] = idTexts[j];
  }
  const extra: ColumnTable = { length: rows, columns: (opts.keep ?? []).map((k) => (all ? column(k) : takeRows(column(k), keepRows))) };
  opts.onProgress?.(rows, bytes);
  return { ids: TextColumn.fromStrings(ids), ra: raOut, dec: decOut, extra, rows, bad };
}
