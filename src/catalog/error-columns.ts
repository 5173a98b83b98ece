// Which columns of a table hold its positional uncertainties: a circular
// sigma, or an error ellipse (1-sigma semi-axes and position angle of the
// major axis, degrees east of north), in arcsec or mas. Recorded in a built
// catalog's metadata; turned into the engine's PositionErrors from any table.

import type { PositionErrors } from '../match/position-errors.js';

export type ErrorUnit = 'arcsec' | 'mas';
export const ERROR_UNITS: readonly ErrorUnit[] = ['arcsec', 'mas'];

export interface ErrorColumnsInfo {
  /** A circular 1-sigma column... */
  sigma?: string;
  /** ...or an error ellipse: semi-major, semi-minor (1 sigma) and PA columns. */
  ellipse?: { major: string; minor: string; pa: string };
  unit: ErrorUnit;
}

export function errorColumnNames(e: ErrorColumnsInfo): string[] {
  return e.sigma !== undefined ? [e.sigma] : e.ellipse ? [e.ellipse.major, e.ellipse.minor, e.ellipse.pa] : [];
}

export function checkErrorColumns(e: ErrorColumnsInfo): void {
  if ((e.sigma === undefined) === (e.ellipse === undefined)) throw new RangeError('positional errors are a sigma column or an ellipse (major, minor, pa), one of them');
  if (!ERROR_UNITS.includes(e.unit)) throw new RangeError(`error unit must be one of ${ERROR_UNITS.join(', ')}, got '${String(e.unit)}'`);
}

/** The engine's errors (arcsec) from the named float64 columns. */
export function positionErrorsOf(e: ErrorColumnsInfo, column: (name: string) => Float64Array): PositionErrors {
  const k = e.unit === 'mas' ? 1e-3 : 1;
  const scaled = (name: string): Float64Array => {
    const v = column(name);
    if (k === 1) return v;
    return Float64Array.from(v, (x) => x * k);
  };
  if (e.sigma !== undefined) return { sigmaArcsec: scaled(e.sigma) };
  return { majorArcsec: scaled(e.ellipse!.major), minorArcsec: scaled(e.ellipse!.minor), paDeg: column(e.ellipse!.pa) };
}

/**
 * Throws a RangeError naming the column and row (1-based) of the first
 * value that is not an error: missing, negative, infinite, or a minor axis
 * longer than the major.
 */
export function checkErrorValues(e: ErrorColumnsInfo, column: (name: string) => Float64Array): void {
  const names = errorColumnNames(e);
  const cols = names.map(column);
  const n = cols[0]?.length ?? 0;
  for (let k = 0; k < names.length; k++) {
    const isPa = e.ellipse !== undefined && k === 2;
    const v = cols[k];
    for (let i = 0; i < n; i++) {
      const x = v[i];
      if (isPa ? !Number.isFinite(x) : !(x >= 0 && x !== Infinity)) {
        throw new RangeError(`column '${names[k]}' row ${i + 1}: ${Number.isNaN(x) ? 'missing' : x} is not ${isPa ? 'a position angle' : 'an error (a number >= 0)'}`);
      }
    }
  }
  if (e.ellipse) {
    for (let i = 0; i < n; i++) {
      if (cols[1][i] > cols[0][i]) throw new RangeError(`row ${i + 1}: the minor axis '${names[1]}' (${cols[1][i]}) is longer than the major axis '${names[0]}' (${cols[0][i]})`);
    }
  }
}
