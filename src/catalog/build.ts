// Building a catalog file from any supported input, for the CLI, the
// service's first start and the stream's annotation catalogs.

import { writeFileSync } from 'node:fs';
import type { SchemeRequest } from '../match/scheme.js';
import { writeArrowCatalog, type CatalogInfo } from './arrow-catalog.js';
import type { BadRow } from './csv.js';
import { checkErrorColumns, checkErrorValues, errorColumnNames, type ErrorColumnsInfo } from './error-columns.js';
import { checkMotionInfo, motionColumnNames, numericValues, rowMotionOf, type CatalogMotionInfo } from './motion-columns.js';
import { loadPositions } from './positions.js';
import type { Column } from './table.js';

export interface BuildCatalogOptions {
  input: string;
  output: string;
  name: string;
  scheme?: SchemeRequest;
  idCol?: string;
  raCol?: string;
  decCol?: string;
  keep?: readonly string[];
  /** Write bad rows to this CSV file and go on, instead of failing on the first 20. */
  rejects?: string;
  defaultRadiusArcsec?: number;
  /** Proper-motion columns (kept as float64 whether or not listed in keep), units and reference epoch. */
  motion?: CatalogMotionInfo;
  /** Positional-uncertainty columns (kept as float64), checked at build. */
  errors?: ErrorColumnsInfo;
  onProgress?: (rows: number, bytes: number) => void;
  extraInfo?: Record<string, unknown>;
}

export interface BuildCatalogResult {
  info: CatalogInfo;
  rows: number;
  rejected: number;
  readMs: number;
  buildMs: number;
}

function csvCell(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

export function writeRejects(file: string, bad: readonly BadRow[]): void {
  const lines = ['file,line,column,value,reason', ...bad.map((b) => [b.file, String(b.line), b.column, b.value, b.reason].map(csvCell).join(','))];
  writeFileSync(file, `${lines.join('\n')}\n`);
}

export async function buildCatalogFile(o: BuildCatalogOptions): Promise<BuildCatalogResult> {
  const t0 = performance.now();
  if (o.motion) checkMotionInfo(o.motion);
  if (o.errors) checkErrorColumns(o.errors);
  const motionCols = o.motion ? motionColumnNames(o.motion) : [];
  const errorCols = o.errors ? errorColumnNames(o.errors) : [];
  const numeric = [...motionCols, ...errorCols];
  const keep = [...new Set([...(o.keep ?? []), ...numeric])];
  const data = await loadPositions(o.input, {
    idCol: o.idCol, raCol: o.raCol, decCol: o.decCol, keep,
    onBad: o.rejects ? 'skip' : 'fail', onProgress: o.onProgress,
  });
  if (o.rejects) writeRejects(o.rejects, data.bad);
  if (numeric.length) {
    // Motions and errors are stored as float64 (NaN = unknown) and checked now,
    // so a bad value fails the build, naming its column and row, not a later match.
    const asNumbers = new Map<string, Float64Array>();
    data.extra.columns = data.extra.columns.map((c): Column => {
      if (!numeric.includes(c.name)) return c;
      const v = numericValues(c, `${o.input}: column`);
      asNumbers.set(c.name, v);
      return { name: c.name, type: 'float64', values: v, valid: c.valid };
    });
    try {
      if (o.motion) rowMotionOf(data.ra, data.dec, o.motion, (c) => asNumbers.get(c)!);
      if (o.errors) checkErrorValues(o.errors, (c) => asNumbers.get(c)!);
    } catch (err) {
      throw new RangeError(`${o.input}: ${(err as Error).message}`);
    }
  }
  const t1 = performance.now();
  const info = await writeArrowCatalog(o.output, {
    name: o.name,
    ids: data.ids,
    ra: data.ra,
    dec: data.dec,
    extra: data.extra,
    scheme: o.scheme ?? 'zones',
    defaultRadiusArcsec: o.defaultRadiusArcsec,
    motion: o.motion,
    errors: o.errors,
    source: { file: o.input, format: data.format, rejected: data.bad.length, ...o.extraInfo },
  });
  return { info, rows: data.rows, rejected: data.bad.length, readMs: t1 - t0, buildMs: performance.now() - t1 };
}
