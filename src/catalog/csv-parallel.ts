// A large plain CSV file read into columns on every core (csv-blocks.ts):
// the blocks' columns joined in file order, the bad rows on their file lines;
// the same result and errors as the one-thread reader.

import { badRowsError } from './csv-errors.js';
import { blockBadRows, runBlocks, type ReadPlan } from './csv-blocks.js';
import { joinParts } from './csv-rows.js';
import type { PositionTable, ReadOptions } from './csv.js';

export { readPlan, type ReadPlan } from './csv-blocks.js';

/** Null when the one-thread reader must do it (header not found whole, a cut inside a quoted field). */
export async function readCsvParallel(file: string, opts: ReadOptions, plan: ReadPlan): Promise<PositionTable | null> {
  const read = await runBlocks(file, opts, plan, 'columns');
  if (!read) return null;
  const bad = blockBadRows(read);
  const { layout } = read;
  if (layout.failFast && bad.length > 0) throw badRowsError(file, bad, layout.maxErrors, bad.length >= layout.maxErrors);
  const joined = joinParts(layout, read.blocks.map((b) => b.columns!));
  return { ids: joined.ids, ra: joined.ra, dec: joined.dec, extra: { length: joined.rows, columns: joined.kept }, rows: joined.rows, bad };
}
