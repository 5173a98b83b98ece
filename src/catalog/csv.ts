// Catalog ingest from CSV or gzip CSV: id, ra, dec and any kept columns,
// parsed from bytes as the file streams by. Bad rows are never dropped
// silently: each is reported with file, line, column and reason; by default
// reading stops at the 20th and throws, with onBad 'skip' all are returned
// (the caller writes them to a rejects file).
//
// Conventions:
// - The header is line 1; names are trimmed and a UTF-8 BOM is ignored.
// - Unquoted fields lose their outer blanks; quoted fields are kept exactly
//   (doubled quotes undone). Ids are kept as text, byte for byte.
// - Blank lines are skipped (they hold no row); a lone CR is not a line end.
// - ra outside [0, 360) is a valid angle: folded into [0, 360) (-0.5 -> 359.5,
//   360 -> 0), not rejected. ra must be finite; dec must lie in [-90, 90].
// - Numbers parse exactly as Number() reads them (bit for bit).

import { badRowsError, CatalogInputError, checkReadOptions, type BadRow } from './csv-errors.js';
import { emptyFile, headerLayout, headerNames, type HeaderOptions } from './csv-header.js';
import { readCsvParallel, readPlan } from './csv-parallel.js';
import type { FieldSpans } from './csv-parse.js';
import { RowReader, type RowLayout } from './csv-rows.js';
import { FAST_NO, forEachCsvRecord } from './csv-stream.js';
import type { ColumnTable } from './table.js';
import type { TextColumn } from './text.js';

export { CatalogInputError, formatBadRow, type BadRow } from './csv-errors.js';
export { typeColumn, typeTextColumn } from './csv-kept.js';
export { forEachCsvRecord, type CsvScanOptions, type CsvScanResult, type CsvVisitor } from './csv-stream.js';

export interface ReadOptions extends HeaderOptions {
  /** Rows kept so far and bytes read from the file so far (compressed bytes for gzip); called about once per MiB. */
  onProgress?: (rows: number, bytes: number) => void;
  /**
   * Threads for a large plain (not gzip) CSV file, each reading a byte range
   * split at line ends. Default: one per core for files of 16 MiB or more;
   * 1 reads on the calling thread.
   */
  threads?: number;
}

export interface PositionTable {
  /** Ids exactly as read, as UTF-8 bytes (`ids.get(i)` or `ids.toArray()` for strings). */
  ids: TextColumn;
  /** Degrees, folded into [0, 360). */
  ra: Float64Array;
  /** Degrees, in [-90, 90]. */
  dec: Float64Array;
  /** The kept columns, in the order asked for; one row per good row. */
  extra: ColumnTable;
  /** Good rows (the length of every array above). */
  rows: number;
  /** Rejected rows, in file order (all of them in 'skip' mode). */
  bad: BadRow[];
}

/** Reads id, ra, dec (and kept columns) from a CSV or gzip CSV file. */
export async function readCatalogCsv(file: string, opts: ReadOptions = {}): Promise<PositionTable> {
  checkReadOptions(opts);
  const plan = await readPlan(file, opts);
  if (plan.threads > 1) {
    const r = await readCsvParallel(file, opts, plan);
    if (r) return r;
  }
  let reader: RowReader | null = null;
  let layout: RowLayout | null = null;
  const visitor = {
    record: (buf: Uint8Array, spans: FieldSpans, line: number): boolean => {
      if (reader) return reader.record(buf, spans, line);
      layout = headerLayout(file, opts, headerNames(buf, spans));
      reader = new RowReader(layout, plan.gzip ? 0 : plan.size);
      return false;
    },
    malformed: (line: number, field: number, reason: string, text: string): boolean => {
      if (!reader) throw new CatalogInputError(file, [], `${file}:${line}: cannot read the header: ${reason}: ${text}`);
      return reader.malformed(line, field, reason, text);
    },
    fast: (buf: Uint8Array, pos: number, end: number): number => (reader ? reader.fast(buf, pos, end) : FAST_NO),
  };
  const result = await forEachCsvRecord(file, visitor, {
    onChunk: opts.onProgress ? (bytes) => opts.onProgress!(reader?.rows ?? 0, bytes) : undefined,
  });
  const r = reader as RowReader | null;
  if (!r || !layout) throw emptyFile(file, opts);
  if ((layout as RowLayout).failFast && r.bad.length > 0) throw badRowsError(file, r.bad, (layout as RowLayout).maxErrors, result.stopped);
  opts.onProgress?.(r.rows, result.fileBytes);
  return {
    ids: r.ids.finish(), ra: r.ra.finish(), dec: r.dec.finish(),
    extra: { length: r.rows, columns: r.kept.map((k) => k.finish()) },
    rows: r.rows, bad: r.bad,
  };
}
