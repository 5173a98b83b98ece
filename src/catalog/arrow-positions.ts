// Positions from an Arrow IPC file: a skyjoin catalog is opened by its footer
// and schema alone (the columns are mapped, and read only where touched); any
// other Arrow file is read whole and checked like a CSV.

import { readFileSync } from 'node:fs';
import * as A from 'apache-arrow';
import { ArrowCatalog, CATALOG_META_KEY, arrowColumns } from './arrow-catalog.js';
import { mapArrowFile, type MappedTable } from './arrow-map.js';
import { isSystemError } from './fs-errors.js';
import { typeColumn, type ReadOptions } from './csv.js';
import { cannotOpen, CatalogInputError, type BadRow } from './csv-errors.js';
import type { Positions } from './positions.js';
import { TextColumn } from './text.js';

export function openArrowPositions(file: string, opts: ReadOptions): Positions {
  let mapped: MappedTable;
  try {
    mapped = mapArrowFile(file);
  } catch (err) {
    if (isSystemError(err)) throw cannotOpen(file, err);
    // Not a layout the mapper takes (several record batches, dictionaries...): not a skyjoin catalog.
    return readArrowPositions(file, opts);
  }
  if (!mapped.schema.metadata.has(CATALOG_META_KEY)) {
    mapped.close();
    return readArrowPositions(file, opts);
  }
  return catalogPositions(ArrowCatalog.fromMapped(file, mapped), opts);
}

function catalogPositions(catalog: ArrowCatalog, opts: ReadOptions): Positions {
  const file = catalog.path;
  const keep = opts.keep ?? [];
  for (const k of keep) if (!catalog.columnNames().includes(k)) throw new CatalogInputError(file, [], `${file}: catalog has no column '${k}' (columns: ${catalog.columnNames().join(', ')})`);
  const extra = { length: catalog.length, columns: keep.map((name) => {
    const v = catalog.column(name)!;
    return typeColumn(name, Array.from({ length: catalog.length }, (_, i) => { const x = v.get(i); return x === null ? '' : String(x); }));
  }) };
  // Getters: nothing is mapped or read until a caller asks for it.
  return {
    format: 'arrow', extra, rows: catalog.length, bad: [], catalog,
    get ids() { return catalog.ids(); },
    get ra() { return catalog.ra; },
    get dec() { return catalog.dec; },
    get index() { return catalog.index; },
    id: (i) => catalog.id(i),
  };
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
  const idColumn = TextColumn.fromStrings(ids);
  return { format: 'arrow', ids: idColumn, id: (i) => idColumn.get(i), ra: Float64Array.from(raOut), dec: Float64Array.from(decOut), extra, rows: ids.length, bad };
}
