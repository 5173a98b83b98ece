// Positional uncertainties: covariances of circles and ellipses, their
// combination, sigma_sep, the Budavári & Szalay (2008) Bayes factor and
// posterior against the paper's closed forms and against brute force.

import { describe, expect, it } from 'vitest';
import { bayesFactorCircular, logBayesFactor, posterior } from '../../src/match/bayes.js';
import { DensityMap } from '../../src/match/density.js';
import { RowMotion } from '../../src/match/motion.js';
import { ErrorCovariance, sigmaDistance } from '../../src/match/position-errors.js';
import { SkyIndex } from '../../src/match/sky-index.js';
import { crossmatchUncertain } from '../../src/match/uncertain-match.js';
import { ang2pixNest } from '../../src/healpix/index.js';
import { positionAngleDeg, separationArcsec } from '../../src/sky/vector.js';
import { randomSky, rng } from '../support/sky.js';

const RAD_PER_ARCSEC = Math.PI / 648000;

/** A normal deviate (Box-Muller) from a seeded uniform generator. */
function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** Covariance of one ellipse as numbers: [ee, nn, en]. */
function cov(a: number, b: number, pa: number): [number, number, number] {
  const c = ErrorCovariance.of({ majorArcsec: a, minorArcsec: b, paDeg: pa }, 1);
  return [c.eeAt(0), c.nnAt(0), c.enAt(0)];
}

describe('error covariances', () => {
  it('an ellipse of equal axes is a circle; PA 0 puts the major axis north, PA 90 east', () => {
    expect(cov(2, 2, 37)).toEqual(expect.arrayContaining([expect.closeTo(4, 12), expect.closeTo(4, 12)]));
    const north = cov(3, 1, 0);
    expect(north[0]).toBeCloseTo(1, 12);
    expect(north[1]).toBeCloseTo(9, 12);
    const east = cov(3, 1, 90);
    expect(east[0]).toBeCloseTo(9, 12);
    expect(east[1]).toBeCloseTo(1, 12);
    // One sigma along the major axis (PA 30) is sigma_sep 1, along the minor axis too.
    const [ee, nn, en] = cov(3, 1, 30);
    const t = 30 * Math.PI / 180;
    expect(sigmaDistance(3 * Math.sin(t), 3 * Math.cos(t), ee, nn, en)).toBeCloseTo(1, 12);
    expect(sigmaDistance(Math.cos(t), -Math.sin(t), ee, nn, en)).toBeCloseTo(1, 12);
  });

  it('two ellipses combine as the covariance of the difference of their draws (brute force)', () => {
    const r = rng(3);
    const e1 = { a: 1.5, b: 0.4, pa: 25 }, e2 = { a: 0.9, b: 0.7, pa: 130 };
    const draw = (e: typeof e1): [number, number] => {
      const u = gauss(r) * e.a, v = gauss(r) * e.b, t = e.pa * Math.PI / 180;
      // major axis along (sin t, cos t), minor along (cos t, -sin t) in (east, north)
      return [u * Math.sin(t) + v * Math.cos(t), u * Math.cos(t) - v * Math.sin(t)];
    };
    let ee = 0, nn = 0, en = 0;
    const N = 400_000;
    for (let i = 0; i < N; i++) {
      const [x1, y1] = draw(e1), [x2, y2] = draw(e2);
      const dx = x1 - x2, dy = y1 - y2;
      ee += dx * dx; nn += dy * dy; en += dx * dy;
    }
    const c1 = cov(e1.a, e1.b, e1.pa), c2 = cov(e2.a, e2.b, e2.pa);
    expect(ee / N).toBeCloseTo(c1[0] + c2[0], 1);
    expect(nn / N).toBeCloseTo(c1[1] + c2[1], 1);
    expect(en / N).toBeCloseTo(c1[2] + c2[2], 1);
  });

  it('names a bad value', () => {
    expect(() => ErrorCovariance.of({ sigmaArcsec: Float64Array.of(1, NaN) }, 2, 'sourceErrors')).toThrow('sourceErrors.sigmaArcsec[1] must be a finite number >= 0, got NaN');
    expect(() => ErrorCovariance.of({ majorArcsec: 1, minorArcsec: 2, paDeg: 0 }, 1, 'catalogErrors')).toThrow(/minor axis 2 is longer than the major axis 1/);
  });
});

describe('Bayes factor and posterior (Budavári & Szalay 2008)', () => {
  it('the general form reduces to the paper\'s circular closed form', () => {
    for (const [psi, s1, s2] of [[0, 1, 1], [0.5, 0.1, 0.2], [3, 1, 2], [10, 0.5, 0.5]]) {
      const s2sum = s1 * s1 + s2 * s2;
      const m = psi / Math.sqrt(s2sum);
      const lb = logBayesFactor(s2sum, s2sum, 0, m);
      const want = bayesFactorCircular(psi, s1, s2);
      expect(Math.exp(lb) / want).toBeCloseTo(1, 10);
      // and that closed form, written out: 2 / (s1^2 + s2^2) exp(-psi^2 / 2 (s1^2 + s2^2)), radians
      const S = s2sum * RAD_PER_ARCSEC ** 2, P = psi * RAD_PER_ARCSEC;
      expect(want / ((2 / S) * Math.exp(-(P * P) / (2 * S)))).toBeCloseTo(1, 12);
    }
  });

  it('equals 4 pi times the integral of N(x1; m, C1) N(x2; m, C2) over m (brute force on a grid)', () => {
    const cases = [
      { e1: [1, 1, 0], e2: [0.5, 0.5, 0], d: [0.8, -0.3] },
      { e1: [1.5, 0.4, 25], e2: [0.9, 0.7, 130], d: [1.2, 0.9] },
      { e1: [0.3, 0.1, 80], e2: [0.2, 0.2, 0], d: [-0.2, 0.05] },
    ];
    for (const { e1, e2, d } of cases) {
      const c1 = cov(e1[0], e1[1], e1[2]), c2 = cov(e2[0], e2[1], e2[2]);
      const pdf = (c: number[], x: number, y: number) => {
        const det = c[0] * c[1] - c[2] * c[2];
        const q = (c[1] * x * x - 2 * c[2] * x * y + c[0] * y * y) / det;
        return Math.exp(-q / 2) / (2 * Math.PI * Math.sqrt(det)); // per arcsec^2
      };
      // x1 at the origin, x2 at d; integrate over the object's position m (arcsec grid).
      const span = 6 * Math.max(e1[0], e2[0]) + Math.hypot(d[0], d[1]), h = span / 600;
      let sum = 0;
      for (let x = -span; x <= span; x += h) {
        for (let y = -span; y <= span; y += h) sum += pdf(c1, x, y) * pdf(c2, d[0] - x, d[1] - y);
      }
      const integral = sum * h * h / RAD_PER_ARCSEC ** 2; // densities per steradian^2 times steradians
      const brute = 4 * Math.PI * integral;
      const ee = c1[0] + c2[0], nn = c1[1] + c2[1], en = c1[2] + c2[2];
      const closed = Math.exp(logBayesFactor(ee, nn, en, sigmaDistance(d[0], d[1], ee, nn, en)));
      expect(brute / closed).toBeCloseTo(1, 4);
    }
  });

  it('posterior is [1 + (1 - P0) / (B P0)]^-1, stable at the extremes', () => {
    for (const [B, P0] of [[1e10, 1e-9], [1, 0.5], [1e3, 1e-6], [0.01, 0.1]]) {
      expect(posterior(Math.log(B), P0)).toBeCloseTo(1 / (1 + (1 - P0) / (B * P0)), 12);
    }
    expect(posterior(2000, 1e-12)).toBe(1);
    expect(posterior(-2000, 0.5)).toBe(0);
  });
});

describe('crossmatchUncertain', () => {
  const cat = randomSky(4000, 8);
  const N = cat.ra.length;
  const r = rng(9);
  const catSigma = Float64Array.from({ length: N }, () => 0.05 + r() * 0.5);
  // Sources: half near a catalog row (offsets of ~their errors), half anywhere.
  const P = 800;
  const sra = new Float64Array(P), sdec = new Float64Array(P), smaj = new Float64Array(P), smin = new Float64Array(P), spa = new Float64Array(P);
  for (let p = 0; p < P; p++) {
    smaj[p] = 0.2 + r() * 1.5; smin[p] = smaj[p] * (0.2 + 0.8 * r()); spa[p] = r() * 360 - 180;
    if (p % 2) { sra[p] = r() * 360; sdec[p] = Math.asin(2 * r() - 1) * 180 / Math.PI; continue; }
    const j = (p * 7) % N;
    sdec[p] = Math.max(-90, Math.min(90, cat.dec[j] + gauss(r) * 2 / 3600));
    sra[p] = (cat.ra[j] + gauss(r) * 2 / 3600 / Math.max(0.01, Math.cos(cat.dec[j] * Math.PI / 180)) + 360) % 360;
  }
  const index = SkyIndex.build(cat.ra, cat.dec, 'htm', { rowIds: true });
  const base = {
    catalogRa: cat.ra, catalogDec: cat.dec,
    sourceErrors: { majorArcsec: smaj, minorArcsec: smin, paDeg: spa }, catalogErrors: { sigmaArcsec: catSigma },
  };
  const HARD = 8;

  /** Brute force: sigma_sep of every pair within the hard radius, from separation and position angle. */
  function brute(): Map<string, number> {
    const out = new Map<string, number>();
    for (let p = 0; p < P; p++) {
      for (let i = 0; i < N; i++) {
        const sep = separationArcsec(sra[p], sdec[p], cat.ra[i], cat.dec[i]);
        if (sep > HARD) continue;
        const pa = positionAngleDeg(cat.ra[i], cat.dec[i], sra[p], sdec[p]) * Math.PI / 180;
        const [e1, n1, x1] = cov(smaj[p], smin[p], spa[p]);
        const s2 = catSigma[i] ** 2;
        out.set(`${p}:${i}`, sigmaDistance(sep * Math.sin(pa), sep * Math.cos(pa), e1 + s2, n1 + s2, x1));
      }
    }
    return out;
  }
  const want = brute();

  it('gives every pair within the hard radius its sigma_sep (brute force)', () => {
    const m = crossmatchUncertain(index, sra, sdec, { ...base, radiusArcsec: HARD });
    expect(m.length).toBe(want.size);
    for (let i = 0; i < m.length; i++) {
      const w = want.get(`${m.probe[i]}:${m.row[i]}`)!;
      expect(m.sigmaSep[i] / w).toBeCloseTo(1, 5);
    }
    expect(m.bayesFactor).toBeUndefined();
  });

  it('--within-sigma K keeps exactly the pairs within K combined sigmas, never beyond the hard radius', () => {
    for (const K of [1, 3, 5]) {
      const m = crossmatchUncertain(index, sra, sdec, { ...base, radiusArcsec: HARD, withinSigma: K });
      const expected = [...want.entries()].filter(([, s]) => s <= K - 1e-9).map(([k]) => k).sort();
      const got = Array.from({ length: m.length }, (_, i) => `${m.probe[i]}:${m.row[i]}`);
      for (const k of expected) expect(got).toContain(k);
      for (let i = 0; i < m.length; i++) {
        expect(m.sigmaSep[i]).toBeLessThanOrEqual(K);
        expect(m.sepArcsec[i]).toBeLessThanOrEqual(HARD);
      }
    }
    const capped = crossmatchUncertain(index, sra, sdec, { ...base, radiusArcsec: 1, withinSigma: 100 });
    for (let i = 0; i < capped.length; i++) expect(capped.sepArcsec[i]).toBeLessThanOrEqual(1);
  });

  it('bayes: B and the posterior per pair follow the closed forms with the density prior', () => {
    const density = DensityMap.build(cat.ra, cat.dec);
    const m = crossmatchUncertain(index, sra, sdec, { ...base, radiusArcsec: HARD, bayes: { density } });
    expect(m.length).toBe(want.size);
    // The prior: one over 4 pi times the rows per steradian in the source's cell, counted here by brute force.
    const cells = 12 * 4 ** density.order;
    for (let i = 0; i < m.length; i++) {
      const p = m.probe[i], row = m.row[i];
      const [e1, n1, x1] = cov(smaj[p], smin[p], spa[p]);
      const s2 = catSigma[row] ** 2;
      const B = Math.exp(logBayesFactor(e1 + s2, n1 + s2, x1, m.sigmaSep[i]));
      expect(m.bayesFactor![i] / B).toBeCloseTo(1, 9);
      const cell = ang2pixNest(density.order, sra[p], sdec[p]);
      let inCell = 0;
      for (let j = 0; j < N; j++) if (ang2pixNest(density.order, cat.ra[j], cat.dec[j]) === cell) inCell++;
      const P0 = (4 * Math.PI / cells) / (4 * Math.PI * Math.max(1, inCell));
      expect(m.probability![i]).toBeCloseTo(1 / (1 + (1 - P0) / (B * P0)), 9);
    }
  });

  it('best picks the highest posterior, which is not always the nearest row', () => {
    // One source between a precise row 1" away (0.05" error: 20 sigma) and a loose row 2" away (2" error).
    const cra = Float64Array.of(10, 10), cdec = Float64Array.of(20 + 1 / 3600, 20 - 2 / 3600);
    const idx = SkyIndex.build(cra, cdec, 'zones', { rowIds: true });
    const opts = {
      catalogRa: cra, catalogDec: cdec, radiusArcsec: 5,
      sourceErrors: { sigmaArcsec: 0.1 }, catalogErrors: { sigmaArcsec: Float64Array.of(0.05, 2) },
    };
    const src = { ra: Float64Array.of(10), dec: Float64Array.of(20) };
    const all = crossmatchUncertain(idx, src.ra, src.dec, { ...opts, bayes: { prior: 0.01 } });
    expect(Array.from(all.row)).toEqual([0, 1]); // nearest first, as the engine orders
    expect(all.probability![1]).toBeGreaterThan(all.probability![0]);
    const best = crossmatchUncertain(idx, src.ra, src.dec, { ...opts, bayes: { prior: 0.01 }, mode: 'best' });
    expect(Array.from(best.row)).toEqual([1]);
    const sigmaBest = crossmatchUncertain(idx, src.ra, src.dec, { ...opts, withinSigma: 3, mode: 'best' });
    expect(Array.from(sigmaBest.row)).toEqual([1]);
    expect(sigmaBest.sigmaSep[0]).toBeCloseTo(2 / Math.sqrt(0.01 + 4), 9);
  });

  it('with proper motion, offsets are measured from where the row is at the source\'s epoch', () => {
    const cra = Float64Array.of(100), cdec = Float64Array.of(-30);
    const motion = RowMotion.prepare(cra, cdec, { pmRaMasYr: Float64Array.of(0), pmDecMasYr: Float64Array.of(1000), refEpochYear: 2000 });
    const idx = SkyIndex.build(cra, cdec, 'healpix', { rowIds: true });
    const m = crossmatchUncertain(idx, Float64Array.of(100), Float64Array.of(-30 + 26.5 / 3600), {
      catalogRa: cra, catalogDec: cdec, radiusArcsec: 2, sourceErrors: { sigmaArcsec: 0.5 }, withinSigma: 3, motion, epochYear: 2026,
    });
    expect(m.length).toBe(1);
    expect(m.sepArcsec[0]).toBeCloseTo(0.5, 6);
    expect(m.sigmaSep[0]).toBeCloseTo(1, 6);
  });
});
