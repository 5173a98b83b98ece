// The per-pair test of a crossmatch whose catalog rows move: each probe's
// epoch and squared-chord limit, held by probe number, so the engine's merge
// hands over (probe, row) and gets back the chord at the probe's epoch. The
// probe's unit vector is made when its first candidate comes (most probes
// have none), and kept for its next ones. No allocation per pair.

import { normalizeRa, RAD_PER_DEG } from '../sky/angles.js';
import { checkEpochYear } from '../sky/epoch.js';
import { chord2FromArcsec } from '../sky/vector.js';
import { checkRadius } from './probes.js';
import type { RowMotion } from './motion.js';

export class MotionTest {
  /** Rows of the fast pass come as catalog rows already (none is skipped). */
  private fastPass = false;
  private lastProbe = -1;
  private px = 0;
  private py = 0;
  private pz = 0;

  private constructor(
    readonly motion: RowMotion,
    private readonly ra: Float64Array,
    private readonly dec: Float64Array,
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
    return new MotionTest(motion, ra, dec, radiusArcsec, c2, c2s, epoch, epochs);
  }

  /** From now on rows arrive as catalog rows of the fast set (the second pass). */
  beginFastPass(): void {
    this.fastPass = true;
  }

  /** The catalog row to test, or -1 when this pass does not own it (fast rows are the second pass's). */
  rowOf(row: number): number {
    if (this.fastPass) return row;
    const f = this.motion.isFast;
    return f !== null && f[row] === 1 ? -1 : row;
  }

  /** Squared chord between the probe and the row moved to the probe's epoch. */
  chord2(probe: number, row: number): number {
    if (probe !== this.lastProbe) {
      this.lastProbe = probe;
      const a = normalizeRa(this.ra[probe]) * RAD_PER_DEG, d = this.dec[probe] * RAD_PER_DEG;
      const c = Math.cos(d);
      this.px = c * Math.cos(a); this.py = c * Math.sin(a); this.pz = Math.sin(d);
    }
    const t = this.epochs !== null ? this.epochs[probe] : this.epoch;
    return this.motion.chord2At(row, t, this.px, this.py, this.pz);
  }

  /** The probe's squared-chord limit. */
  limit(probe: number): number {
    return this.c2s !== null ? this.c2s[probe] : this.c2;
  }

  epochOf(probe: number): number {
    return this.epochs !== null ? this.epochs[probe] : this.epoch;
  }

  get length(): number {
    return this.ra.length;
  }

  /** The largest radius of any probe (arcsec). */
  maxRadius(): number {
    if (typeof this.radius === 'number') return this.radius;
    let m = 0;
    for (let i = 0; i < this.radius.length; i++) if (this.radius[i] > m) m = this.radius[i];
    return m;
  }

  /** The farthest any row (or only those not held apart: slowOnly) moves by any probe's epoch (arcsec). */
  maxReach(slowOnly: boolean): number {
    if (this.epochs === null) return this.motion.reachArcsec(this.epoch, slowOnly);
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < this.epochs.length; i++) { if (this.epochs[i] < lo) lo = this.epochs[i]; if (this.epochs[i] > hi) hi = this.epochs[i]; }
    return this.epochs.length ? Math.max(this.motion.reachArcsec(lo, slowOnly), this.motion.reachArcsec(hi, slowOnly)) : 0;
  }
}

/**
 * Search radius (arcsec): one for all probes when they share a radius and an
 * epoch (no per-probe work), else per probe: its own radius plus the
 * farthest a row (any row, or only those not held apart: slowOnly) moves by
 * its epoch.
 */
export function motionRadii(test: MotionTest, slowOnly: boolean): number | Float64Array {
  const m = test.motion;
  const r = test.radius;
  if (typeof r === 'number' && test.epochs === null) return r + m.reachArcsec(test.epoch, slowOnly);
  const n = test.length;
  const out = new Float64Array(n);
  const shared = test.epochs === null ? m.reachArcsec(test.epoch, slowOnly) : 0;
  for (let i = 0; i < n; i++) {
    const reach = test.epochs === null ? shared : m.reachArcsec(test.epochs[i], slowOnly);
    out[i] = (typeof r === 'number' ? r : r[i]) + reach;
  }
  return out;
}
