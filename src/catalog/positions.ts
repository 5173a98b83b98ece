// One entry point for "a file of positions": CSV, gzip CSV, Parquet, an Arrow
// IPC file, or a catalog built by `skyjoin catalog build`, told apart by their
// first bytes, not their names. The Arrow and Parquet readers are loaded only
// for those formats: reading a CSV pulls in neither.

import { open } from 'node:fs/promises';
import type { SkyIndex } from '../match/sky-index.js';
import type { ArrowCatalog } from './arrow-catalog.js';
import { readCatalogCsv, type PositionTable, type ReadOptions } from './csv.js';
import { cannotOpen } from './csv-errors.js';

export type FileFormat = 'csv' | 'parquet' | 'arrow' | 'fits' | 'votable';

export async function sniffFormat(file: string): Promise<FileFormat> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    throw cannotOpen(file, err);
  }
  try {
    const b = Buffer.alloc(1024);
    const { bytesRead } = await fh.read(b, 0, 1024, 0);
    return sniffBytes(b.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/** The format of a file from its first bytes (up to 1 KiB). */
export function sniffBytes(b: Uint8Array): FileFormat {
  const head = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
  if (head.startsWith('PAR1')) return 'parquet';
  if (head.startsWith('ARROW1')) return 'arrow';
  if (head.startsWith('SIMPLE  =')) return 'fits';
  // XML (maybe after a BOM, blanks, the declaration and comments) whose root is VOTABLE.
  if (/^(\uFEFF|\xEF\xBB\xBF)?\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<([A-Za-z_]\w*:)?VOTABLE[\s>]/.test(head)) return 'votable';
  return 'csv';
}

export interface Positions extends PositionTable {
  format: FileFormat;
  /** The id of row i as text, exactly as read (for a built catalog, read from the file for that row only). */
  id(i: number): string;
  /** The built index, when the file is a skyjoin catalog (rows are in its key order). */
  index?: SkyIndex;
  catalog?: ArrowCatalog;
}

/**
 * Reads positions (and kept columns) from any supported file, with the same
 * checks for all. A built catalog is opened, not read: its footer and schema
 * only; ids, positions and the index come from the mapped file when used.
 */
export async function loadPositions(file: string, opts: ReadOptions = {}): Promise<Positions> {
  const format = await sniffFormat(file);
  if (format === 'arrow') return (await import('./arrow-positions.js')).openArrowPositions(file, opts);
  if (format === 'fits' || format === 'votable') {
    const table = await readTablePositions(format, file, opts);
    const ids = table.ids;
    return { format, ...table, id: (i) => ids.get(i) };
  }
  const table = format === 'csv' ? await readCatalogCsv(file, opts) : await (await import('./parquet.js')).readParquetTable(file, opts);
  const ids = table.ids;
  return { format, ...table, id: (i) => ids.get(i) };
}

/** Positions from a FITS binary table or a VOTable (a file, or the bytes of an upload). */
export async function readTablePositions(format: 'fits' | 'votable', source: string | Uint8Array, opts: ReadOptions = {}, label?: string): Promise<PositionTable> {
  const { checkColumnsPresent, positionsFromColumns, wantedColumns } = await import('./column-positions.js');
  const file = label ?? (typeof source === 'string' ? source : 'upload');
  const choose = (names: string[]) => {
    checkColumnsPresent(file, names, opts);
    return wantedColumns(opts);
  };
  const t = format === 'fits'
    ? await (await import('./fits-read.js')).readFitsColumns(source, choose, label)
    : await (await import('./votable-read.js')).readVoTableColumns(source, choose, label);
  return positionsFromColumns(file, t.rows, (name) => t.columns.get(name)!, opts, t.bytes);
}
