// Bad input, reported loudly: every rejected row names its file, line, column
// and reason, and a file that cannot be read at all says why.

import { fsReason } from './fs-errors.js';

export interface BadRow {
  file: string;
  /**
   * Physical line in the file, 1-based; the header is line 1. For Parquet and
   * Arrow input (no lines), the data row number plus 1, as if a header line
   * came first: a CSV and its Parquet copy report the same numbers.
   */
  line: number;
  /** The column at fault (for a wrong field count: the first missing column, or the last one when there are too many). */
  column: string;
  /** The text found (the whole record, cut to 200 characters, when the record itself is malformed). */
  value: string;
  reason: string;
}

export function formatBadRow(b: BadRow): string {
  return `${b.file}:${b.line}: column '${b.column}': ${b.reason}`;
}

export class CatalogInputError extends Error {
  /**
   * @param bad the rows at fault (empty when the file as a whole is unusable:
   *   missing header column, not a CSV/Parquet file, cannot open...)
   * @param message replaces the default message, which lists `bad`
   */
  constructor(readonly file: string, readonly bad: BadRow[], message?: string) {
    super(message ?? `${file}: ${bad.length} bad row${bad.length === 1 ? '' : 's'}:\n${bad.map(formatBadRow).join('\n')}`);
    this.name = 'CatalogInputError';
  }
}

/** An input file that cannot be opened: "x.csv: cannot open: no such file or folder (ENOENT)". */
export function cannotOpen(file: string, err: unknown): CatalogInputError {
  return new CatalogInputError(file, [], `${file}: cannot open: ${fsReason(err)}`);
}

/** The error thrown in 'fail' mode: the first bad rows, and whether reading stopped before the end. */
export function badRowsError(file: string, bad: BadRow[], maxErrors: number, stoppedEarly: boolean): CatalogInputError {
  const shown = bad.slice(0, maxErrors);
  const head = stoppedEarly
    ? `${file}: stopped at ${shown.length} bad rows (maxErrors = ${maxErrors}; onBad 'skip' collects them all)`
    : `${file}: ${shown.length} bad row${shown.length === 1 ? '' : 's'}`;
  return new CatalogInputError(file, shown, `${head}:\n${shown.map(formatBadRow).join('\n')}`);
}

export function checkReadOptions(o: { onBad?: unknown; maxErrors?: unknown; keep?: unknown; threads?: unknown }): void {
  if (o.threads !== undefined && !(Number.isInteger(o.threads) && (o.threads as number) >= 1 && (o.threads as number) <= 256)) {
    throw new RangeError(`threads must be an integer in [1, 256], got ${String(o.threads)}`);
  }
  if (o.onBad !== undefined && o.onBad !== 'fail' && o.onBad !== 'skip') {
    throw new TypeError(`onBad must be 'fail' or 'skip', got ${JSON.stringify(o.onBad)}`);
  }
  if (o.maxErrors !== undefined && !(Number.isInteger(o.maxErrors) && (o.maxErrors as number) >= 1)) {
    throw new RangeError(`maxErrors must be an integer >= 1, got ${String(o.maxErrors)}`);
  }
  if (o.keep !== undefined && !(Array.isArray(o.keep) && o.keep.every((k) => typeof k === 'string' && k.length > 0))) {
    throw new TypeError(`keep must be an array of column names, got ${JSON.stringify(o.keep)}`);
  }
  if (Array.isArray(o.keep)) {
    const dup = o.keep.find((k, i) => o.keep && (o.keep as string[]).indexOf(k) !== i);
    if (dup !== undefined) throw new TypeError(`keep names column '${dup}' twice`);
  }
}

function fmt(v: number): string {
  return Number.isNaN(v) ? 'NaN' : String(v);
}

// "<name> must be <rule>, got <value>": the value quoted when it is text that
// is not a number, bare when it is a number (NaN and infinities included).

/** Why an ra is refused: `value` is the number read (undefined when the text is not a number). */
export function raReason(value: number | undefined, text: string): string {
  if (text === '') return 'missing ra';
  return `ra must be a finite number of degrees, got ${value === undefined ? `'${text}'` : fmt(value)}`;
}

export function decReason(value: number | undefined, text: string): string {
  if (text === '') return 'missing dec';
  return `dec must be in [-90, 90], got ${value === undefined ? `'${text}'` : fmt(value)}`;
}
