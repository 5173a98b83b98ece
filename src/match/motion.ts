// Catalog rows that move: proper motions (and, where known, parallax and
// radial velocity) prepared once as unit vectors and velocity vectors, so the
// exact test of a (probe, row) pair at the probe's epoch is a few
// multiply-adds and one square root (sky/motion.ts has the formula).
//
// The index stays built on reference-epoch positions. A query at epoch t
// searches each probe at its radius plus the farthest any row can have moved
// in |t - t_ref|, and tests the candidates on their propagated positions. So
// that one star of 10"/yr (Barnard's) does not widen every probe's search,
// the few fastest rows (at most 0.1% of them, when the rest move four
// times slower or less) are held apart and matched the other way round,
// each against the probes in its own circle (crossmatch.ts).

import { ARCSEC_PER_RAD, RAD_PER_DEG, normalizeRa } from '../sky/angles.js';
import { checkEpochYear } from '../sky/epoch.js';
import { RAD_PER_MAS, maxDisplacementRad, radialPmMasYr } from '../sky/motion.js';

export interface MotionColumns {
  /** mu_alpha* = mu_alpha cos(dec), mas/yr, one per row; NaN = unknown (the row does not move). */
  pmRaMasYr: Float64Array;
  /** mu_delta, mas/yr; NaN = unknown. */
  pmDecMasYr: Float64Array;
  /** Parallax, mas; with rvKms, the rigorous propagation. NaN or absent = unknown. */
  parallaxMas?: Float64Array | null;
  /** Radial velocity, km/s. NaN or absent = unknown. */
  rvKms?: Float64Array | null;
  /** The epoch of the positions (Julian year): one for all rows, or one per row. */
  refEpochYear: number | Float64Array;
}

/** At most this share of the rows (and at least one) may be held apart... */
const FAST_SHARE = 0.001;
/** ...when the largest motion is at least this many times that of the rest. */
const FAST_RATIO = 4;
/** Catalogs below this size are never split (nothing to gain). */
const FAST_MIN_ROWS = 2000;

export class RowMotion {
  readonly length: number;
  /** The reference-epoch positions (degrees) as given: not copied. */
  readonly ra: Float64Array;
  readonly dec: Float64Array;
  /** Unit vector of each row at its reference epoch. */
  readonly x0: Float64Array;
  readonly y0: Float64Array;
  readonly z0: Float64Array;
  /** Proper-motion vector pm0 (rad/yr), perpendicular to (x0, y0, z0). */
  readonly vx: Float64Array;
  readonly vy: Float64Array;
  readonly vz: Float64Array;
  /** Radial proper motion mu_r (rad/yr), or null when no row has both parallax and rv. */
  readonly mur: Float64Array | null;
  /** Per-row reference epochs, or null when all rows share refEpoch. */
  readonly refEpochs: Float64Array | null;
  readonly refEpoch: number;
  readonly minRefEpoch: number;
  readonly maxRefEpoch: number;
  /** Largest total proper motion (rad/yr) and largest |mu_r| (rad/yr). */
  readonly maxMuRadYr: number;
  readonly maxMurRadYr: number;
  /** Rows held apart (catalog rows, ascending), a 0/1 flag per row, and the largest motion of the others. */
  readonly fastRows: Uint32Array;
  readonly isFast: Uint8Array | null;
  readonly slowMaxMuRadYr: number;

  private constructor(ra: Float64Array, dec: Float64Array, refEpochs: Float64Array | null, refEpoch: number, hasRadial: boolean) {
    const n = ra.length;
    this.length = n;
    this.ra = ra;
    this.dec = dec;
    this.x0 = new Float64Array(n); this.y0 = new Float64Array(n); this.z0 = new Float64Array(n);
    this.vx = new Float64Array(n); this.vy = new Float64Array(n); this.vz = new Float64Array(n);
    this.mur = hasRadial ? new Float64Array(n) : null;
    this.refEpochs = refEpochs;
    this.refEpoch = refEpoch;
    let lo = refEpoch, hi = refEpoch;
    if (refEpochs) {
      lo = Infinity; hi = -Infinity;
      for (let i = 0; i < n; i++) { if (refEpochs[i] < lo) lo = refEpochs[i]; if (refEpochs[i] > hi) hi = refEpochs[i]; }
      if (n === 0) lo = hi = refEpoch;
    }
    this.minRefEpoch = lo;
    this.maxRefEpoch = hi;
    this.maxMuRadYr = 0; this.maxMurRadYr = 0; this.slowMaxMuRadYr = 0;
    this.fastRows = new Uint32Array(0);
    this.isFast = null;
  }

  /**
   * Prepares the rows at (ra, dec) (degrees, the reference-epoch positions,
   * in the row order the index reports) with their motions. Throws a
   * RangeError naming the column and row of a bad value.
   */
  static prepare(ra: Float64Array, dec: Float64Array, cols: MotionColumns): RowMotion {
    const n = ra.length;
    if (!(ra instanceof Float64Array) || !(dec instanceof Float64Array) || dec.length !== n) {
      throw new TypeError('ra and dec must be Float64Arrays of the same length');
    }
    const need = (a: Float64Array | null | undefined, name: string): void => {
      if (a === null || a === undefined) return;
      if (!(a instanceof Float64Array) || a.length !== n) throw new RangeError(`${name} must be a Float64Array of ${n} values`);
    };
    need(cols.pmRaMasYr, 'pmRaMasYr');
    need(cols.pmDecMasYr, 'pmDecMasYr');
    if (!cols.pmRaMasYr || !cols.pmDecMasYr) throw new TypeError('pmRaMasYr and pmDecMasYr are required');
    need(cols.parallaxMas, 'parallaxMas');
    need(cols.rvKms, 'rvKms');
    let refEpochs: Float64Array | null = null;
    let refEpoch = 2000;
    if (typeof cols.refEpochYear === 'number') {
      checkEpochYear(cols.refEpochYear, 'refEpochYear');
      refEpoch = cols.refEpochYear;
    } else {
      need(cols.refEpochYear, 'refEpochYear');
      refEpochs = cols.refEpochYear;
      for (let i = 0; i < n; i++) checkEpochYear(refEpochs[i], `refEpochYear[${i}]`);
      refEpoch = n ? refEpochs[0] : 2000;
    }
    const plx = cols.parallaxMas ?? null, rv = cols.rvKms ?? null;
    const m = new RowMotion(ra, dec, refEpochs, refEpoch, plx !== null && rv !== null);
    const mu = new Float64Array(n);
    let maxMu = 0, maxMur = 0;
    for (let i = 0; i < n; i++) {
      let pa = cols.pmRaMasYr[i], pd = cols.pmDecMasYr[i];
      if (!(pa === pa) || !(pd === pd)) { pa = 0; pd = 0; } // unknown motion: the row stays put
      if (!Number.isFinite(pa) || Math.abs(pa) > 1e6) throw new RangeError(`pmRaMasYr[${i}] must be a finite motion in mas/yr, got ${pa}`);
      if (!Number.isFinite(pd) || Math.abs(pd) > 1e6) throw new RangeError(`pmDecMasYr[${i}] must be a finite motion in mas/yr, got ${pd}`);
      const a = normalizeRa(ra[i]) * RAD_PER_DEG, d = dec[i] * RAD_PER_DEG;
      const ca = Math.cos(a), sa = Math.sin(a), cd = Math.cos(d), sd = Math.sin(d);
      m.x0[i] = cd * ca; m.y0[i] = cd * sa; m.z0[i] = sd;
      const mua = pa * RAD_PER_MAS, mud = pd * RAD_PER_MAS;
      // pm0 = p0 mu_a* + q0 mu_d, p0 = (-sin a, cos a, 0), q0 = (-sin d cos a, -sin d sin a, cos d)
      m.vx[i] = -sa * mua - sd * ca * mud;
      m.vy[i] = ca * mua - sd * sa * mud;
      m.vz[i] = cd * mud;
      mu[i] = Math.sqrt(mua * mua + mud * mud);
      if (mu[i] > maxMu) maxMu = mu[i];
      if (m.mur) {
        const r = radialPmMasYr(plx![i], rv![i]) * RAD_PER_MAS;
        if (!Number.isFinite(r)) throw new RangeError(`row ${i}: parallax ${plx![i]} mas and rv ${rv![i]} km/s give no finite radial motion`);
        m.mur[i] = r;
        if (Math.abs(r) > maxMur) maxMur = Math.abs(r);
      }
    }
    const self = m as { -readonly [K in keyof RowMotion]: RowMotion[K] };
    self.maxMuRadYr = maxMu;
    self.maxMurRadYr = maxMur;
    self.slowMaxMuRadYr = maxMu;
    if (n >= FAST_MIN_ROWS && maxMu > 0) {
      const sorted = Float64Array.from(mu).sort();
      const q = sorted[n - 1 - Math.max(1, Math.floor(FAST_SHARE * n))];
      if (maxMu >= FAST_RATIO * q) {
        const isFast = new Uint8Array(n);
        let k = 0;
        for (let i = 0; i < n; i++) if (mu[i] > q) { isFast[i] = 1; k++; }
        const rows = new Uint32Array(k);
        k = 0;
        for (let i = 0; i < n; i++) if (isFast[i]) rows[k++] = i;
        self.isFast = isFast;
        self.fastRows = rows;
        self.slowMaxMuRadYr = q;
      }
    }
    return m;
  }

  /** The reference epoch of a row. */
  epochOf(row: number): number {
    return this.refEpochs ? this.refEpochs[row] : this.refEpoch;
  }

  /** Unit vector of a row at epoch t (Julian year), into out[0..2]. */
  vectorAt(row: number, t: number, out: Float64Array): void {
    const dt = t - (this.refEpochs ? this.refEpochs[row] : this.refEpoch);
    const vx = this.vx[row], vy = this.vy[row], vz = this.vz[row];
    const mur = this.mur ? this.mur[row] : 0;
    const mu02 = vx * vx + vy * vy + vz * vz;
    const f = 1 / Math.sqrt(1 + 2 * mur * dt + (mu02 + mur * mur) * dt * dt);
    const g = 1 + mur * dt;
    out[0] = (this.x0[row] * g + vx * dt) * f;
    out[1] = (this.y0[row] * g + vy * dt) * f;
    out[2] = (this.z0[row] * g + vz * dt) * f;
  }

  /** Position (degrees) of a row at epoch t. */
  positionAt(row: number, t: number): { raDeg: number; decDeg: number } {
    const v = new Float64Array(3);
    this.vectorAt(row, t, v);
    return { raDeg: normalizeRa(Math.atan2(v[1], v[0]) / RAD_PER_DEG), decDeg: Math.atan2(v[2], Math.hypot(v[0], v[1])) / RAD_PER_DEG };
  }

  /**
   * Squared chord between row's position at epoch t and the unit vector
   * (px, py, pz): the engine's exact test, on the moved row. The hot path of
   * a moving match: no allocation, differences taken component-wise so a
   * 0.1" chord keeps its digits.
   */
  chord2At(row: number, t: number, px: number, py: number, pz: number): number {
    const dt = t - (this.refEpochs !== null ? this.refEpochs[row] : this.refEpoch);
    const vx = this.vx[row], vy = this.vy[row], vz = this.vz[row];
    const mur = this.mur !== null ? this.mur[row] : 0;
    const f = 1 / Math.sqrt(1 + 2 * mur * dt + (vx * vx + vy * vy + vz * vz + mur * mur) * dt * dt);
    const g = 1 + mur * dt;
    const dx = (this.x0[row] * g + vx * dt) * f - px;
    const dy = (this.y0[row] * g + vy * dt) * f - py;
    const dz = (this.z0[row] * g + vz * dt) * f - pz;
    return dx * dx + dy * dy + dz * dz;
  }

  /** Farthest (arcsec) any row (or any row not held apart: slowOnly) moves between its epoch and t. */
  reachArcsec(t: number, slowOnly: boolean): number {
    const mu = slowOnly ? this.slowMaxMuRadYr : this.maxMuRadYr;
    if (mu === 0 && this.maxMurRadYr === 0) return 0;
    const dt = Math.max(Math.abs(t - this.minRefEpoch), Math.abs(t - this.maxRefEpoch));
    const rad = maxDisplacementRad(mu, this.maxMurRadYr, dt);
    // A hair more than the bound: the bound and the test round differently.
    return rad * ARCSEC_PER_RAD * (1 + 1e-9) + 1e-6;
  }
}
