// The per-pair test of a crossmatch whose catalog rows move: each probe's
// unit vector, epoch and squared-chord limit, held by probe number, so the
// engine's merge hands over (probe, row) and gets back the chord at the
// probe's epoch. No allocation per pair.

import { normalizeRa, RAD_PER_DEG } from '../sky/angles.js';
import { checkEpochYear } from '../sky/epoch.js';
import { chord2FromArcsec } from '../sky/vector.js';
import { checkRadius } from './probes.js';
import type { RowMotion } from './motion.js';

export type { RowMotion } from './motion.js';

export class MotionTest {
  private fastPass = false;

  private constructor(
    readonly motion: RowMotion,
    readonly px: Float64Array,
    readonly py: Float64Array,
    readonly pz: Float64Array,
    /** The probes' own radii (arcsec), one for all or per probe. */
    readonly radius: number | Float64Array,
    private readonly c2: number,
    private readonly c2s: Float64Array | null,
    readonly epoch: number,
    readonly epochs: Float64Array | null,
  ) {}

  static create(
    motion: RowMotion, ra: Float64Array, dec: Float64Array, radiusArcsec: number | Float64Array, epochYear: number | Float64Array | undefined,
  ): MotionTest {
    const n = ra.length;
    if (epochYear === undefined) throw new TypeError('epochYear (the probes\' epoch, Julian years) is required with motion');
    let epoch = 0, epochs: Float64Array | null = null;
    if (typeof epochYear === 'number') {
      checkEpochYear(epochYear, 'epochYear');
      epoch = epochYear;
    } else {
      if (!(epochYear instanceof Float64Array) || epochYear.length !== n) throw new RangeError(`epochYear must be a number or a Float64Array of ${n} epochs`);
      for (let i = 0; i < n; i++) checkEpochYear(epochYear[i], `epochYear[${i}]`);
      epochs = epochYear;
    }
    let c2 = 0, c2s: Float64Array | null = null;
    if (typeof radiusArcsec === 'number') {
      checkRadius(radiusArcsec, 'radiusArcsec');
      c2 = chord2FromArcsec(radiusArcsec);
    } else {
      if (!(radiusArcsec instanceof Float64Array) || radiusArcsec.length !== n) throw new RangeError(`radiusArcsec must be a number or a Float64Array of ${n} radii`);
      c2s = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        checkRadius(radiusArcsec[i], `radiusArcsec[${i}]`);
        c2s[i] = chord2FromArcsec(radiusArcsec[i]);
      }
    }
    const px = new Float64Array(n), py = new Float64Array(n), pz = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      // Positions are checked again (with row numbers) by prepareProbes; NaN here only until then.
      const a = normalizeRa(ra[i]) * RAD_PER_DEG, d = dec[i] * RAD_PER_DEG;
      const c = Math.cos(d);
      px[i] = c * Math.cos(a); py[i] = c * Math.sin(a); pz[i] = Math.sin(d);
    }
    return new MotionTest(motion, px, py, pz, radiusArcsec, c2, c2s, epoch, epochs);
  }

  /** From now on rows arrive as positions in motion.fastRows (the second pass). */
  beginFastPass(): void {
    this.fastPass = true;
  }

  /** The catalog row of an index row, or -1 when this pass does not own it. */
  rowOf(row: number): number {
    if (this.fastPass) return this.motion.fastRows[row];
    const f = this.motion.isFast;
    return f !== null && f[row] === 1 ? -1 : row;
  }

  /** Squared chord between the probe and the row moved to the probe's epoch. */
  chord2(probe: number, row: number): number {
    const t = this.epochs !== null ? this.epochs[probe] : this.epoch;
    return this.motion.chord2At(row, t, this.px[probe], this.py[probe], this.pz[probe]);
  }

  /** The probe's squared-chord limit. */
  limit(probe: number): number {
    return this.c2s !== null ? this.c2s[probe] : this.c2;
  }

  epochOf(probe: number): number {
    return this.epochs !== null ? this.epochs[probe] : this.epoch;
  }
}

/**
 * Search radius per probe (arcsec): its own radius plus the farthest a row
 * (any row, or only those not held apart: slowOnly) moves by its epoch.
 */
export function motionRadii(test: MotionTest, slowOnly: boolean): Float64Array {
  const n = test.px.length;
  const out = new Float64Array(n);
  const m = test.motion;
  const r = test.radius;
  const shared = test.epochs === null ? m.reachArcsec(test.epoch, slowOnly) : 0;
  for (let i = 0; i < n; i++) {
    const reach = test.epochs === null ? shared : m.reachArcsec(test.epochs[i], slowOnly);
    out[i] = (typeof r === 'number' ? r : r[i]) + reach;
  }
  return out;
}
