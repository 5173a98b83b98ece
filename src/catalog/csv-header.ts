// The header of a CSV catalog: its names, and where the wanted columns are.

import { CatalogInputError } from './csv-errors.js';
import { fieldText, type FieldSpans } from './csv-parse.js';
import type { RowLayout } from './csv-rows.js';

/** The reading options that name the columns and say what to do with bad rows (part of csv.ts' ReadOptions). */
export interface HeaderOptions {
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

export function emptyFile(file: string, opts: HeaderOptions): CatalogInputError {
  return new CatalogInputError(file, [], `${file}: empty file, expected a header with ${opts.idCol ?? 'id'},${opts.raCol ?? 'ra'},${opts.decCol ?? 'dec'}`);
}

/** The header's names: trimmed, a UTF-8 BOM dropped. */
export function headerNames(buf: Uint8Array, spans: FieldSpans): string[] {
  const header = Array.from({ length: spans.count }, (_, k) => fieldText(buf, spans, k).trim());
  header[0] = header[0].replace(/^\ufeff/, '');
  return header;
}

/** Where the wanted columns are in this header (a CatalogInputError naming every missing one). */
export function headerLayout(file: string, opts: HeaderOptions, header: string[]): RowLayout {
  const keep = [...(opts.keep ?? [])];
  const [iId, iRa, iDec, ...keptAt] = findColumns(file, header, [
    [opts.idCol ?? 'id', 'id'], [opts.raCol ?? 'ra', 'ra'], [opts.decCol ?? 'dec', 'dec'], ...keep.map((k): [string, string] => [k, 'kept']),
  ]);
  return { file, header, iId, iRa, iDec, keptAt, keep, failFast: (opts.onBad ?? 'fail') === 'fail', maxErrors: opts.maxErrors ?? 20 };
}
