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

import { normalizeRa } from '../sky/angles.js';
import { BytesBuilder, Float64Builder, KeptColumnBuilder } from './csv-columns.js';
import { badRowsError, CatalogInputError, checkReadOptions, decReason, raReason, type BadRow } from './csv-errors.js';
import { fieldText, isBlank, parseDecimal, parseNumberField, type FieldSpans } from './csv-parse.js';
import { forEachCsvRecord, recordPreview } from './csv-stream.js';
import type { ColumnTable } from './table.js';
import type { TextColumn } from './text.js';

export { CatalogInputError, formatBadRow, type BadRow } from './csv-errors.js';
export { typeColumn, typeTextColumn } from './csv-columns.js';
export { forEachCsvRecord, type CsvScanOptions, type CsvScanResult, type CsvVisitor } from './csv-stream.js';

export interface ReadOptions {
  /** Header names of the three required columns (defaults 'id', 'ra', 'dec'). */
  idCol?: string;
  raCol?: string;
  decCol?: string;
  /** Extra columns to keep, typed from their values (see KeptColumnBuilder). */
  keep?: readonly string[];
  /** 'fail' (default): throw a CatalogInputError listing the first maxErrors bad rows; 'skip': return them all in `bad`. */
  onBad?: 'fail' | 'skip';
  /** Default 20. */
  maxErrors?: number;
  /** Rows kept so far and bytes read from the file so far (compressed bytes for gzip); called about once per MiB. */
  onProgress?: (rows: number, bytes: number) => void;
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

/** The columns to read, found in the header, or a CatalogInputError naming every missing one. */
function findColumns(file: string, header: string[], want: Array<[name: string, role: string]>): number[] {
  const missing: string[] = [];
  const found = want.map(([name, role]) => {
    const i = header.indexOf(name);
    if (i < 0) missing.push(`${role} column '${name}'`);
    else if (header.indexOf(name, i + 1) >= 0) {
      throw new CatalogInputError(file, [], `${file}:1: column '${name}' appears twice in the header (columns: ${header.join(', ')})`);
    }
    return i;
  });
  if (missing.length > 0) {
    const also = missing.length > 1 ? `; also missing: ${missing.slice(1).join(', ')}` : '';
    throw new CatalogInputError(file, [], `${file}:1: missing ${missing[0]} in the header (columns: ${header.join(', ')})${also}`);
  }
  return found;
}

/** Reads id, ra, dec (and kept columns) from a CSV or gzip CSV file. */
export async function readCatalogCsv(file: string, opts: ReadOptions = {}): Promise<PositionTable> {
  checkReadOptions(opts);
  const idCol = opts.idCol ?? 'id', raCol = opts.raCol ?? 'ra', decCol = opts.decCol ?? 'dec';
  const keep = opts.keep ?? [];
  const failFast = (opts.onBad ?? 'fail') === 'fail';
  const maxErrors = opts.maxErrors ?? 20;

  const ids = new BytesBuilder();
  const ra = new Float64Builder(), dec = new Float64Builder();
  const kept = keep.map((name) => new KeptColumnBuilder(name));
  const bad: BadRow[] = [];
  let header: string[] | null = null;
  let iId = -1, iRa = -1, iDec = -1, nFields = 0;
  let keptAt: number[] = [];
  let rows = 0;

  /** Records a bad row; true when reading should stop. */
  const reject = (line: number, column: string, value: string, reason: string): boolean => {
    bad.push({ file, line, column, value, reason });
    return failFast && bad.length >= maxErrors;
  };

  const readHeader = (buf: Uint8Array, spans: FieldSpans): void => {
    header = Array.from({ length: spans.count }, (_, k) => fieldText(buf, spans, k).trim());
    header[0] = header[0].replace(/^\ufeff/, '');
    nFields = header.length;
    [iId, iRa, iDec, ...keptAt] = findColumns(file, header, [
      [idCol, 'id'], [raCol, 'ra'], [decCol, 'dec'], ...keep.map((k): [string, string] => [k, 'kept']),
    ]);
  };

  const record = (buf: Uint8Array, spans: FieldSpans, line: number): boolean => {
    if (header === null) {
      readHeader(buf, spans);
      return false;
    }
    const { starts, ends, quoted } = spans;
    const n = spans.count;
    if (n !== nFields) {
      if (n === 1 && isBlank(buf, starts[0], ends[0]) && quoted[0] === 0) return false;
      const column = n < nFields ? header[n] : header[nFields - 1];
      return reject(line, column, recordPreview(buf, starts[0] - quoted[0], buf.length), `expected ${nFields} fields, found ${n}`);
    }
    let s = starts[iId], e = ends[iId];
    if (!quoted[iId]) {
      while (s < e && (buf[s] === 32 || buf[s] === 9)) s++;
      while (e > s && (buf[e - 1] === 32 || buf[e - 1] === 9)) e--;
    }
    if (s === e) return reject(line, idCol, '', 'missing id');
    const r = parseDecimal(buf, starts[iRa], ends[iRa]);
    if (!(r - r === 0)) return reject(line, raCol, fieldText(buf, spans, iRa), raProblem(buf, spans, iRa));
    const d = parseDecimal(buf, starts[iDec], ends[iDec]);
    if (!(d >= -90 && d <= 90)) return reject(line, decCol, fieldText(buf, spans, iDec), decProblem(buf, spans, iDec, d));
    ids.push(buf, s, e, quoted[iId] === 1);
    ra.push(normalizeRa(r));
    dec.push(d);
    for (let k = 0; k < kept.length; k++) {
      const j = keptAt[k];
      kept[k].push(buf, starts[j], ends[j], quoted[j] === 1);
    }
    rows++;
    return false;
  };

  const malformed = (line: number, field: number, reason: string, text: string): boolean => {
    if (header === null) throw new CatalogInputError(file, [], `${file}:${line}: cannot read the header: ${reason}: ${text}`);
    return reject(line, header[Math.min(field, nFields - 1)], text, reason);
  };

  const result = await forEachCsvRecord(file, { record, malformed }, {
    onChunk: opts.onProgress ? (bytes) => opts.onProgress!(rows, bytes) : undefined,
  });
  if (header === null) {
    throw new CatalogInputError(file, [], `${file}: empty file, expected a header with ${idCol},${raCol},${decCol}`);
  }
  if (failFast && bad.length > 0) throw badRowsError(file, bad, maxErrors, result.stopped);
  opts.onProgress?.(rows, result.fileBytes);
  return {
    ids: ids.finish(),
    ra: ra.finish(),
    dec: dec.finish(),
    extra: { length: rows, columns: kept.map((k) => k.finish()) },
    rows,
    bad,
  };
}

function raProblem(buf: Uint8Array, spans: FieldSpans, k: number): string {
  const text = fieldText(buf, spans, k).trim();
  return raReason(parseNumberField(buf, spans.starts[k], spans.ends[k]), text);
}

function decProblem(buf: Uint8Array, spans: FieldSpans, k: number, d: number): string {
  const text = fieldText(buf, spans, k).trim();
  return decReason(d === d ? d : parseNumberField(buf, spans.starts[k], spans.ends[k]), text);
}
