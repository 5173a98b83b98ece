// Proper motions and epochs: propagation against astropy (computed in the
// test setup with Debian's python3-astropy), the moving crossmatch against
// brute force on every scheme, and real high-proper-motion stars.

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RowMotion } from '../../src/match/motion.js';
import { SkyIndex } from '../../src/match/sky-index.js';
import { epochColumnToYears, jdFromJulianYear, julianYearFromJd, julianYearFromMjd, parseEpoch } from '../../src/sky/epoch.js';
import { propagate } from '../../src/sky/motion.js';
import { separationArcsec } from '../../src/sky/vector.js';
import { rng } from '../support/sky.js';
import { SCHEMES } from '../support/schemes.js';

interface Star { ra: number; dec: number; pmra: number; pmdec: number; plx: number | null; rv: number | null; t0: number; t1: number }
interface Ref { ra: number; dec: number; pmra: number; pmdec: number }

function astropy(stars: Star[]): Ref[] {
  const script = path.join(import.meta.dirname, '../support/astropy_motion.py');
  return JSON.parse(execFileSync('/usr/bin/python3', [script], { input: JSON.stringify({ stars }), maxBuffer: 1 << 26 }).toString()) as Ref[];
}

// Barnard's star and 61 Cyg A at J2016.0, astrometry as in Gaia DR3 (to the digits given).
const BARNARD: Star = { ra: 269.44850252543836, dec: 4.739420051112412, pmra: -801.551, pmdec: 10362.394, plx: 546.9759, rv: -110.353, t0: 2016, t1: 2026.5 };
const CYG61A: Star = { ra: 316.7483122, dec: 38.7567211, pmra: 4164.209, pmdec: 3249.614, plx: 285.9949, rv: -65.94, t0: 2016, t1: 2026.5 };

/** Random stars: anywhere, many at the poles and across RA 0/360, motions up to 10"/yr, some with parallax and rv. */
function randomStars(n: number, seed: number): Star[] {
  const r = rng(seed);
  const out: Star[] = [];
  for (let i = 0; i < n; i++) {
    const kind = i % 4;
    const ra = kind === 1 ? (r() < 0.5 ? r() * 1e-3 : 360 - r() * 1e-3) : r() * 360;
    const dec = kind === 2 ? (r() < 0.5 ? 1 : -1) * (90 - r() * 1e-3) : (Math.asin(2 * r() - 1) * 180) / Math.PI;
    const big = r() < 0.3;
    const pmra = (r() - 0.5) * (big ? 20000 : 200), pmdec = (r() - 0.5) * (big ? 20000 : 200);
    const full = r() < 0.5;
    out.push({
      ra, dec, pmra, pmdec,
      plx: full ? 1 + r() * 800 : null, rv: full ? (r() - 0.5) * 600 : null,
      t0: [2000, 2015.5, 2016, 1991.25][i % 4], t1: 1990 + r() * 60,
    });
  }
  return out;
}

describe('epochs', () => {
  it('reads Julian years, JD and MJD', () => {
    expect(parseEpoch('J2016.0')).toBe(2016);
    expect(parseEpoch('2026.5')).toBe(2026.5);
    expect(parseEpoch('j2000')).toBe(2000);
    expect(parseEpoch('JD2451545.0')).toBe(2000);
    expect(parseEpoch('MJD51544.5')).toBe(2000);
    expect(julianYearFromJd(jdFromJulianYear(2026.5))).toBeCloseTo(2026.5, 12);
    expect(julianYearFromMjd(60676)).toBeCloseTo(2025 + (60676 + 2400000.5 - 2451545 - 25 * 365.25) / 365.25, 12);
    expect(() => parseEpoch('J20160')).toThrow(/Julian year in \[1000, 3000\]/);
    expect(() => parseEpoch('soon')).toThrow(/must look like J2016.0/);
  });

  it('tells a column of years, MJD or JD apart and names a bad row', () => {
    expect(Array.from(epochColumnToYears([2016, 2016.5]))).toEqual([2016, 2016.5]);
    expect(epochColumnToYears([51544.5])[0]).toBe(2000);
    expect(epochColumnToYears([2451545])[0]).toBe(2000);
    expect(() => epochColumnToYears([2016, 60000], 'auto', 'obs_epoch')).toThrow(/column 'obs_epoch' row 2/);
    expect(() => epochColumnToYears([12], 'auto', 'obs_epoch')).toThrow(/column 'obs_epoch' row 1: 12 is not an epoch/);
  });
});

describe('propagation against astropy', () => {
  const stars = [...randomStars(400, 11), BARNARD, CYG61A];
  let ref: Ref[] = [];
  beforeAll(() => { ref = astropy(stars); });

  it('agrees to a few µas plus the light-time term astropy adds', () => {
    let worst = 0;
    stars.forEach((s, i) => {
      const got = propagate({ raDeg: s.ra, decDeg: s.dec, pmRaMasYr: s.pmra, pmDecMasYr: s.pmdec, parallaxMas: s.plx ?? NaN, rvKms: s.rv ?? NaN }, s.t1 - s.t0);
      const sepMas = separationArcsec(got.raDeg, got.decDeg, ref[i].ra, ref[i].dec) * 1000;
      // ERFA's pmsafe moves the star for the light-time change (Roemer term): a
      // relative (v_r / c) of the displacement, which the Gaia formula leaves out.
      const moved = Math.hypot(s.pmra, s.pmdec) * Math.abs(s.t1 - s.t0);
      const tol = 0.005 + 1e-6 * moved + (s.rv !== null ? (2 * Math.abs(s.rv) / 299792.458) * moved : 0);
      expect(sepMas, `star ${i} ${JSON.stringify(s)}`).toBeLessThanOrEqual(tol);
      worst = Math.max(worst, sepMas);
    });
    expect(worst).toBeGreaterThan(0);
  });

  it('the proper motion it gives at t is the rate of change of its positions', () => {
    // (astropy's apply_space_motion reports its velocities in a way that
    // differs from ERFA's own pmsafe by ~1e-6; ERFA and this agree.)
    for (const s of stars.slice(0, 100)) {
      const a = { raDeg: s.ra, decDeg: s.dec, pmRaMasYr: s.pmra, pmDecMasYr: s.pmdec, parallaxMas: s.plx ?? NaN, rvKms: s.rv ?? NaN };
      const t = s.t1 - s.t0, h = 1e-3;
      const at = propagate(a, t), p1 = propagate(a, t - h), p2 = propagate(a, t + h);
      if (Math.abs(at.decDeg) > 89.99) continue; // RA rates blow up at the pole
      const dRa = (((p2.raDeg - p1.raDeg + 540) % 360) - 180) * 3.6e6 * Math.cos(at.decDeg * Math.PI / 180) / (2 * h);
      const dDec = (p2.decDeg - p1.decDeg) * 3.6e6 / (2 * h);
      expect(at.pmRaMasYr).toBeCloseTo(dRa, 2);
      expect(at.pmDecMasYr).toBeCloseTo(dDec, 2);
    }
  });

  it('the prepared rows move as propagate() says', () => {
    const n = stars.length;
    const m = RowMotion.prepare(
      Float64Array.from(stars, (s) => s.ra), Float64Array.from(stars, (s) => s.dec), {
        pmRaMasYr: Float64Array.from(stars, (s) => s.pmra), pmDecMasYr: Float64Array.from(stars, (s) => s.pmdec),
        parallaxMas: Float64Array.from(stars, (s) => s.plx ?? NaN), rvKms: Float64Array.from(stars, (s) => s.rv ?? NaN),
        refEpochYear: Float64Array.from(stars, (s) => s.t0),
      });
    for (let i = 0; i < n; i++) {
      const p = m.positionAt(i, stars[i].t1);
      const s = stars[i];
      const q = propagate({ raDeg: s.ra, decDeg: s.dec, pmRaMasYr: s.pmra, pmDecMasYr: s.pmdec, parallaxMas: s.plx ?? NaN, rvKms: s.rv ?? NaN }, s.t1 - s.t0);
      expect(separationArcsec(p.raDeg, p.decDeg, q.raDeg, q.decDeg)).toBeLessThan(1e-9);
    }
  });

  it('Barnard\'s star moves 110" in 10.5 years, 61 Cyg A 70"', () => {
    const b = stars.length - 2;
    expect(separationArcsec(BARNARD.ra, BARNARD.dec, ref[b].ra, ref[b].dec)).toBeCloseTo(109.3, 0);
    expect(separationArcsec(CYG61A.ra, CYG61A.dec, ref[b + 1].ra, ref[b + 1].dec)).toBeCloseTo(55.5, 0);
  });
});

/** Brute force: every (probe, row) whose moved row lies within the radius, as [probe, row]. */
function brute(m: RowMotion, pra: Float64Array, pdec: Float64Array, radius: number, epoch: Float64Array): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let p = 0; p < pra.length; p++) {
    for (let r = 0; r < m.length; r++) {
      const at = m.positionAt(r, epoch[p]);
      if (separationArcsec(at.raDeg, at.decDeg, pra[p], pdec[p]) <= radius - 1e-7) out.push([p, r]);
    }
  }
  return out;
}

describe('crossmatch with proper motion', () => {
  // 2,500 rows (enough for the fast rows to be held apart), a few very fast, probes near where rows will be.
  const N = 2500, P = 600;
  const r = rng(5);
  const ra = new Float64Array(N), dec = new Float64Array(N), pmra = new Float64Array(N), pmdec = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    // A dense patch across RA 0/360, a patch at the north pole, and the rest anywhere.
    const k = i % 3;
    ra[i] = k === 0 ? (360 + (r() - 0.5) * 0.2) % 360 : r() * 360;
    dec[i] = k === 0 ? (r() - 0.5) * 0.2 : k === 1 ? 89.9 + r() * 0.1 : (Math.asin(2 * r() - 1) * 180) / Math.PI;
    const fast = i % 1250 === 7;
    pmra[i] = (r() - 0.5) * (fast ? 16000 : 600);
    pmdec[i] = (r() - 0.5) * (fast ? 16000 : 600);
    if (i % 97 === 3) { pmra[i] = NaN; pmdec[i] = NaN; }
  }
  const motion = RowMotion.prepare(ra, dec, { pmRaMasYr: pmra, pmDecMasYr: pmdec, refEpochYear: 2000 });
  const pra = new Float64Array(P), pdec = new Float64Array(P), epochs = new Float64Array(P);
  for (let p = 0; p < P; p++) {
    const row = Math.floor(r() * N);
    epochs[p] = 2000 + r() * 40 - 10;
    const at = motion.positionAt(row, epochs[p]);
    pra[p] = (at.raDeg + (r() - 0.5) * 4 / 3600 + 360) % 360;
    pdec[p] = Math.max(-90, Math.min(90, at.decDeg + (r() - 0.5) * 4 / 3600));
  }
  const RADIUS = 3;
  const expected = brute(motion, pra, pdec, RADIUS, epochs);

  it('holds the fastest rows apart', () => {
    expect(motion.fastRows.length).toBeGreaterThan(0);
    expect(motion.fastRows.length).toBe(2);
    expect(motion.slowMaxMuRadYr).toBeLessThan(motion.maxMuRadYr / 4);
  });

  it.each(SCHEMES)('scheme %j: all pairs agree with brute force on moved rows', (scheme) => {
    const index = SkyIndex.build(ra, dec, scheme, { rowIds: true });
    const m = index.crossmatch(pra, pdec, { radiusArcsec: RADIUS, motion, epochYear: epochs });
    const got = Array.from({ length: m.length }, (_, i) => [m.probe[i], m.row[i]] as [number, number]);
    // Pairs within a hair of the radius may go either way (float rounding): compare the sure ones.
    const gotSet = new Set(got.map(([p, q]) => `${p}:${q}`));
    for (const [p, q] of expected) expect(gotSet.has(`${p}:${q}`), `pair ${p}:${q}`).toBe(true);
    for (let i = 0; i < m.length; i++) {
      const at = motion.positionAt(m.row[i], epochs[m.probe[i]]);
      const sep = separationArcsec(at.raDeg, at.decDeg, pra[m.probe[i]], pdec[m.probe[i]]);
      expect(sep).toBeLessThanOrEqual(RADIUS + 1e-7);
      expect(m.sepArcsec[i]).toBeCloseTo(sep, 6);
    }
    expect(m.length).toBeGreaterThanOrEqual(P * 0.9);
  });

  it('best and nearest pick the closest moved row', () => {
    const index = SkyIndex.build(ra, dec, 'healpix', { rowIds: true });
    const all = index.crossmatch(pra, pdec, { radiusArcsec: RADIUS, motion, epochYear: epochs });
    const best = index.crossmatch(pra, pdec, { radiusArcsec: RADIUS, motion, epochYear: epochs, mode: 'best' });
    const nearest = index.crossmatch(pra, pdec, { radiusArcsec: RADIUS, motion, epochYear: epochs, mode: 'nearest', k: 1 });
    const first = new Map<number, number>();
    for (let i = all.length - 1; i >= 0; i--) first.set(all.probe[i], all.row[i]);
    expect(best.length).toBe(first.size);
    for (let i = 0; i < best.length; i++) expect(best.row[i]).toBe(first.get(best.probe[i]));
    expect(Array.from(nearest.row)).toEqual(Array.from(best.row));
  });

  it('without motion the same probes mostly miss: the pairs need the propagation', () => {
    const index = SkyIndex.build(ra, dec, 'zones', { rowIds: true });
    const still = index.crossmatch(pra, pdec, { radiusArcsec: RADIUS });
    expect(still.length).toBeLessThan(expected.length * 0.8);
  });

  it('rows that do not move match exactly as without motion', () => {
    const zero = new Float64Array(N);
    const m0 = RowMotion.prepare(ra, dec, { pmRaMasYr: zero, pmDecMasYr: zero, refEpochYear: 2000 });
    const index = SkyIndex.build(ra, dec, 'zones', { rowIds: true });
    const a = index.crossmatch(pra, pdec, { radiusArcsec: 30, motion: m0, epochYear: 2026 });
    const b = index.crossmatch(pra, pdec, { radiusArcsec: 30 });
    expect(Array.from(a.row)).toEqual(Array.from(b.row));
    expect(Array.from(a.probe)).toEqual(Array.from(b.probe));
    expect(Array.from(a.sepArcsec)).toEqual(Array.from(b.sepArcsec));
  });

  it('refuses bad input with the field named', () => {
    const index = SkyIndex.build(ra, dec, 'zones', { rowIds: true });
    expect(() => index.crossmatch(pra, pdec, { radiusArcsec: 1, motion })).toThrow(/epochYear/);
    expect(() => index.crossmatch(pra, pdec, { radiusArcsec: 1, motion, epochYear: 20260 })).toThrow(/epochYear must be a Julian year/);
    expect(() => RowMotion.prepare(ra, dec, { pmRaMasYr: pmra, pmDecMasYr: pmdec.subarray(1), refEpochYear: 2000 })).toThrow(/pmDecMasYr must be a Float64Array of 2500/);
  });
});

describe('real stars at a 2026 epoch', () => {
  // The catalog holds the J2016.0 Gaia DR3 astrometry of Barnard's star and
  // 61 Cyg A with two still neighbours where they stood in 2016; the alerts
  // are where astropy puts the stars at J2026.5, 0.2" off.
  const stars = [BARNARD, CYG61A];
  let ref: Ref[] = [];
  beforeAll(() => { ref = astropy(stars); });

  it('the moving match finds them, the still match misses them or takes the neighbour', () => {
    const ra = Float64Array.of(BARNARD.ra, CYG61A.ra, BARNARD.ra + 1e-4, CYG61A.ra - 1e-4);
    const dec = Float64Array.of(BARNARD.dec, CYG61A.dec, BARNARD.dec + 109.3 / 3600, CYG61A.dec + 30 / 3600);
    const motion = RowMotion.prepare(ra, dec, {
      pmRaMasYr: Float64Array.of(BARNARD.pmra, CYG61A.pmra, 0, 0), pmDecMasYr: Float64Array.of(BARNARD.pmdec, CYG61A.pmdec, 0, 0),
      parallaxMas: Float64Array.of(BARNARD.plx!, CYG61A.plx!, NaN, NaN), rvKms: Float64Array.of(BARNARD.rv!, CYG61A.rv!, NaN, NaN),
      refEpochYear: 2016,
    });
    const aRa = Float64Array.of(ref[0].ra, ref[1].ra), aDec = Float64Array.of(ref[0].dec + 0.2 / 3600, ref[1].dec - 0.2 / 3600);
    const index = SkyIndex.build(ra, dec, 'htm', { rowIds: true });
    const moving = index.crossmatch(aRa, aDec, { radiusArcsec: 2, motion, epochYear: 2026.5, mode: 'best' });
    expect(Array.from(moving.row)).toEqual([0, 1]);
    expect(moving.sepArcsec[0]).toBeCloseTo(0.2, 3);
    expect(moving.sepArcsec[1]).toBeCloseTo(0.2, 3);
    const still = index.crossmatch(aRa, aDec, { radiusArcsec: 2, mode: 'best' });
    expect(Array.from(still.row)).not.toContain(0);
    expect(Array.from(still.row)).not.toContain(1);
    const wide = index.crossmatch(aRa, aDec, { radiusArcsec: 10, mode: 'best' });
    expect(Array.from(wide.row)).toEqual([2]); // Barnard's alert next to the wrong star
  });
});
