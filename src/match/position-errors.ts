// Positional uncertainties as 2x2 covariances on the tangent plane, axes
// east (increasing RA) and north, in arcsec^2: a circular sigma s is
// diag(s^2, s^2); an error ellipse of 1-sigma semi-axes a >= b with the major
// axis at position angle theta (east of north) is
//   C = a^2 u u^T + b^2 v v^T,  u = (sin theta, cos theta), v = (cos theta, -sin theta).
// Two independent errors combine by adding covariances; the separation in
// units of the combined error is the Mahalanobis distance sqrt(d^T C^-1 d).

import { RAD_PER_DEG } from '../sky/angles.js';

/** Errors of one set of positions (sources or catalog rows), arcsec, one per row or one for all. */
export type PositionErrors =
  | { sigmaArcsec: number | Float64Array }
  | { majorArcsec: number | Float64Array; minorArcsec: number | Float64Array; paDeg: number | Float64Array };

/** Covariances (arcsec^2) of every row: ee, nn, en. */
export class ErrorCovariance {
  private constructor(
    readonly length: number,
    private readonly ee: Float64Array,
    private readonly nn: Float64Array,
    private readonly en: Float64Array,
    /** Largest eigenvalue over all rows (arcsec^2): the widest error. */
    readonly maxVariance: number,
  ) {}

  /**
   * Checks and converts errors of n rows. NaN, negative or infinite values
   * throw a RangeError naming the field and row; a minor axis longer than the
   * major is refused too.
   */
  static of(errors: PositionErrors, n: number, what = 'errors'): ErrorCovariance {
    const ee = new Float64Array(n), nn = new Float64Array(n), en = new Float64Array(n);
    const at = (v: number | Float64Array, name: string, i: number): number => {
      if (typeof v !== 'number' && (!(v instanceof Float64Array) || v.length !== n)) {
        throw new RangeError(`${what}.${name} must be a number or a Float64Array of ${n} values`);
      }
      const x = typeof v === 'number' ? v : v[i];
      if (!(x >= 0) || x === Infinity) throw new RangeError(`${what}.${name}${typeof v === 'number' ? '' : `[${i}]`} must be a finite number >= 0, got ${x}`);
      return x;
    };
    let maxVar = 0;
    if ('sigmaArcsec' in errors) {
      for (let i = 0; i < n; i++) {
        const s = at(errors.sigmaArcsec, 'sigmaArcsec', i);
        ee[i] = nn[i] = s * s;
        if (s * s > maxVar) maxVar = s * s;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const a = at(errors.majorArcsec, 'majorArcsec', i), b = at(errors.minorArcsec, 'minorArcsec', i);
        const paV = errors.paDeg;
        const pa = typeof paV === 'number' ? paV : paV[i];
        if (!Number.isFinite(pa)) throw new RangeError(`${what}.paDeg${typeof paV === 'number' ? '' : `[${i}]`} must be a finite angle in degrees, got ${pa}`);
        if (b > a) throw new RangeError(`${what}: row ${i}: minor axis ${b} is longer than the major axis ${a}`);
        const t = pa * RAD_PER_DEG, s = Math.sin(t), c = Math.cos(t);
        const a2 = a * a, b2 = b * b;
        ee[i] = a2 * s * s + b2 * c * c;
        nn[i] = a2 * c * c + b2 * s * s;
        en[i] = (a2 - b2) * s * c;
        if (a2 > maxVar) maxVar = a2;
      }
    }
    return new ErrorCovariance(n, ee, nn, en, maxVar);
  }

  /** No errors at all (a catalog without uncertainties): every covariance 0. */
  static none(n: number): ErrorCovariance {
    const z = new Float64Array(n);
    return new ErrorCovariance(n, z, z, z, 0);
  }

  eeAt(i: number): number { return this.ee[i]; }
  nnAt(i: number): number { return this.nn[i]; }
  enAt(i: number): number { return this.en[i]; }

  /** Largest eigenvalue of row i's covariance (arcsec^2). */
  maxVarianceAt(i: number): number {
    const h = (this.ee[i] + this.nn[i]) / 2, d = (this.ee[i] - this.nn[i]) / 2;
    return h + Math.sqrt(d * d + this.en[i] * this.en[i]);
  }
}

/**
 * Mahalanobis distance sqrt(d^T C^-1 d) of the offset (dE, dN) (arcsec)
 * under the covariance (ee, nn, en) (arcsec^2). Infinity when C is singular
 * and the offset is not zero (0 then).
 */
export function sigmaDistance(dE: number, dN: number, ee: number, nn: number, en: number): number {
  const det = ee * nn - en * en;
  if (!(det > 0)) return dE === 0 && dN === 0 ? 0 : Infinity;
  const m2 = (nn * dE * dE - 2 * en * dE * dN + ee * dN * dN) / det;
  return Math.sqrt(Math.max(0, m2));
}
