// Epochs as Julian years (TT), the unit proper motions are given in:
// J2000.0 is JD 2451545.0 and a Julian year is 365.25 days exactly, so
// J2016.0 - J2000.0 = 16 years of motion (IAU 1976; what Gaia, Hipparcos and
// astropy's Time('J2016.0') use). A JD or MJD given for an alert is taken on
// the TT scale as well: the difference to UTC (~69 s) moves a 10"/yr star by
// 20 µas, far below any match radius.

export const JD_J2000 = 2451545.0;
export const MJD_OFFSET = 2400000.5;
export const DAYS_PER_JULIAN_YEAR = 365.25;

export const julianYearFromJd = (jd: number): number => 2000 + (jd - JD_J2000) / DAYS_PER_JULIAN_YEAR;
export const jdFromJulianYear = (year: number): number => JD_J2000 + (year - 2000) * DAYS_PER_JULIAN_YEAR;
export const mjdFromJd = (jd: number): number => jd - MJD_OFFSET;
export const jdFromMjd = (mjd: number): number => mjd + MJD_OFFSET;
export const julianYearFromMjd = (mjd: number): number => julianYearFromJd(mjd + MJD_OFFSET);
export const mjdFromJulianYear = (year: number): number => jdFromJulianYear(year) - MJD_OFFSET;

/** Epochs are accepted between these Julian years (a typo like J20160 is refused). */
export const MIN_EPOCH_YEAR = 1000;
export const MAX_EPOCH_YEAR = 3000;

export type EpochUnit = 'jyear' | 'jd' | 'mjd';

/**
 * An epoch written as `J2016.0`, `2016.0`, `JD2461224.125` or `MJD60676.5`
 * (case ignored), as a Julian year. Throws a RangeError naming the text.
 */
export function parseEpoch(text: string, name = 'epoch'): number {
  const s = String(text).trim();
  const m = /^(J|JD|MJD)?\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)$/i.exec(s);
  if (!m) throw new RangeError(`${name} must look like J2016.0, 2016.0, JD2461224.5 or MJD60676.0, got '${s}'`);
  const v = Number(m[2]);
  const kind = (m[1] ?? 'J').toUpperCase();
  const year = kind === 'JD' ? julianYearFromJd(v) : kind === 'MJD' ? julianYearFromMjd(v) : v;
  checkEpochYear(year, `${name} '${s}'`);
  return year;
}

export function checkEpochYear(year: number, name = 'epoch'): void {
  if (typeof year !== 'number' || !(year >= MIN_EPOCH_YEAR && year <= MAX_EPOCH_YEAR)) {
    throw new RangeError(`${name} must be a Julian year in [${MIN_EPOCH_YEAR}, ${MAX_EPOCH_YEAR}], got ${String(year)}`);
  }
}

/**
 * The unit of an epoch value, told from its size: Julian years in
 * [1000, 3000], MJD in [15000, 100000] (1899-2132), JD the same days + 2400000.5.
 * The ranges do not overlap.
 */
export function epochUnitOf(v: number): EpochUnit | null {
  if (v >= MIN_EPOCH_YEAR && v <= MAX_EPOCH_YEAR) return 'jyear';
  if (v >= 15000 && v <= 100000) return 'mjd';
  if (v >= 15000 + MJD_OFFSET && v <= 100000 + MJD_OFFSET) return 'jd';
  return null;
}

/**
 * A column of epochs (Julian years, MJD or JD: `unit`, or 'auto' to tell
 * from the first value, all values then in that unit) as Julian years.
 * Throws a RangeError naming the column and the first bad row.
 */
export function epochColumnToYears(values: ArrayLike<number>, unit: EpochUnit | 'auto' = 'auto', column = 'epoch'): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  let u: EpochUnit | null = unit === 'auto' ? null : unit;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (u === null) {
      u = epochUnitOf(v);
      if (u === null) throw new RangeError(`column '${column}' row ${i + 1}: ${String(v)} is not an epoch (a Julian year, MJD or JD)`);
    }
    const y = u === 'jyear' ? v : u === 'mjd' ? julianYearFromMjd(v) : julianYearFromJd(v);
    if (!(y >= MIN_EPOCH_YEAR && y <= MAX_EPOCH_YEAR)) {
      throw new RangeError(`column '${column}' row ${i + 1}: ${String(v)} is not an epoch in the column's unit (${u})`);
    }
    out[i] = y;
  }
  return out;
}

/** `J2016.5` for display. */
export function formatEpoch(year: number): string {
  return `J${Number.isInteger(year) ? year.toFixed(1) : String(year)}`;
}
