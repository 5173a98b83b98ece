// The light curve as one flat table (LIGHTCURVE_COLUMNS, a `kind` column per
// row: detection, forced_photometry, upper_limit) in CSV or Arrow IPC.

import * as A from 'apache-arrow';
import { LIGHTCURVE_COLUMNS, type FlatRow } from './views.js';

const NUMERIC = new Set(['mjd_tai', 'mag', 'mag_err', 'limiting_mag', 'flux', 'flux_err']);

function csvCell(v: string | number | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function lightCurveCsv(rows: readonly FlatRow[]): string {
  const lines = [LIGHTCURVE_COLUMNS.join(',')];
  for (const r of rows) lines.push(LIGHTCURVE_COLUMNS.map((c) => csvCell(r[c])).join(','));
  return `${lines.join('\n')}\n`;
}

/** Arrow IPC stream: float64 for numbers (null when missing), utf8 for the rest. */
export function lightCurveArrow(rows: readonly FlatRow[]): Uint8Array {
  const cols: Record<string, A.Vector> = {};
  for (const c of LIGHTCURVE_COLUMNS) {
    cols[c] = NUMERIC.has(c)
      ? A.vectorFromArray(rows.map((r) => r[c] as number | null), new A.Float64())
      : A.vectorFromArray(rows.map((r) => r[c] as string | null), new A.Utf8());
  }
  const table = new A.Table(cols);
  return A.tableToIPC(table, 'stream');
}
