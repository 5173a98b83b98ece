// One entry point for "a file of positions": CSV, gzip CSV, Parquet, an Arrow
// IPC file, or a catalog built by `skyjoin catalog build`, told apart by their
// first bytes, not their names. The Arrow and Parquet readers are loaded only
// for those formats: reading a CSV pulls in neither.

import { open } from 'node:fs/promises';
import type { SkyIndex } from '../match/sky-index.js';
import type { ArrowCatalog } from './arrow-catalog.js';
import { readCatalogCsv, type PositionTable, type ReadOptions } from './csv.js';
import { cannotOpen } from './csv-errors.js';

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
  const table = format === 'csv' ? await readCatalogCsv(file, opts) : await (await import('./parquet.js')).readParquetTable(file, opts);
  const ids = table.ids;
  return { format, ...table, id: (i) => ids.get(i) };
}
