// Property tests (fast-check): renumbering round trips, the engine's
// vector-form lookup against the degree API, and random discs (biased to
// base-face edges, corners and poles): every sampled point of the disc is in
// the engine's cover, which stays within HEALPix's own inclusive set.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { locToXyf, nestNumber } from '../../src/healpix/ang.js';
import { phiToTt } from '../../src/healpix/base.js';
import * as hp from '../../src/healpix/index.js';
import { xyfToNest } from '../../src/healpix/nest.js';
import { RangeList } from '../../src/sky/ranges.js';
import { samplesInDisc } from '../support/sky.js';
import { DEG, faceToRaDec, fromRangeList, has, healpyNestDisc, ids, minus, sepRad, vec } from './reference.js';

const unit = fc.double({ min: 0, max: 1, noNaN: true });

/** Positions: uniform, on base-face edges and corners (nudged or not), near the poles and RA 0. */
const arbPosition = fc.oneof(
  fc.tuple(fc.double({ min: 0, max: 360, maxExcluded: true, noNaN: true }), fc.double({ min: -90, max: 90, noNaN: true })),
  fc.tuple(fc.integer({ min: 0, max: 11 }), unit, fc.constantFrom(0, 1, 0.5, 1e-9, 1 - 1e-9, 1e-6, 1e-4, 1 - 1e-3, 0.01), fc.boolean()).map(([f, t, e, swap]) => {
    const [ra, dec] = swap ? faceToRaDec(f, e, t) : faceToRaDec(f, t, e);
    return [ra, Math.max(-90, Math.min(90, dec))] as [number, number];
  }),
  fc.tuple(unit, fc.constantFrom(90, -90, 89.9999999, -89.99999, 89.99)).map(([u, dec]) => [u * 360, dec] as [number, number]),
  fc.tuple(fc.constantFrom(0, 1e-12, 359.9999999999, 90, 180, 270), fc.double({ min: -90, max: 90, noNaN: true })),
);

describe('renumbering and lookups', () => {
  it('ring2nest(nest2ring(p)) = p at every order, numbers to 24 and bigints to 29', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 29 }), unit, (o, u) => {
      const npix = 12n << BigInt(2 * o);
      const big = ((BigInt(Math.floor(u * 2 ** 52)) * npix) >> 52n) % npix;
      const ring = hp.nest2ringBig(o, big);
      expect(hp.ring2nestBig(o, ring)).toBe(big);
      expect(hp.nest2ringBig(o, hp.ring2nestBig(o, big))).toBe(big);
      if (o <= 24) {
        expect(hp.nest2ring(o, Number(big))).toBe(Number(ring));
        expect(hp.ring2nest(o, Number(ring))).toBe(Number(big));
      }
    }), { numRuns: 3000 });
  });

  it('nestIndex (unit vector) agrees with ang2pixNest: the same pixel, or a neighbour for a point on a boundary', () => {
    let same = 0, runs = 0;
    fc.assert(fc.property(arbPosition, fc.integer({ min: 0, max: 24 }), ([ra, dec], o) => {
      const nest = hp.ang2pixNest(o, ra, dec);
      const nx = hp.nestIndex(o, ...vec(ra, dec));
      runs++;
      if (nx === nest) same++;
      else expect([nest, ...hp.neighboursNest(o, nest)]).toContain(nx);
      expect(hp.nestIndexRaDec(o, ra, dec)).toBe(nest);
    }), { numRuns: 3000 });
    expect(same).toBeGreaterThan(0.7 * runs); // edge-biased inputs; uniform ones agree all but never
  });

  it('the fused number path equals locToXyf + xyfToNest, edges included', () => {
    const xyf = new Int32Array(3);
    const arbZ = fc.oneof(fc.double({ min: -1, max: 1, noNaN: true }), fc.constantFrom(2 / 3, -2 / 3, 0.99, -0.99, 1, -1, 0, 0.6666666666666667, -0.9900000000000001));
    const arbTt = fc.oneof(fc.double({ min: 0, max: 4, maxExcluded: true, noNaN: true }), fc.constantFrom(0, 1, 2, 3, 3.9999999999999996, 0.5));
    fc.assert(fc.property(fc.integer({ min: 0, max: 24 }), arbZ, arbTt, fc.boolean(), (o, z, tt, haveSth) => {
      const sth = Math.sqrt((1 - z) * (1 + z));
      locToXyf(o, z, tt, sth, haveSth, xyf);
      expect(nestNumber(o, z, tt, sth, haveSth)).toBe(xyfToNest(o, xyf[0], xyf[1], xyf[2]));
    }), { numRuns: 5000 });
    expect(phiToTt(-1e-300)).toBe(0);
    expect(phiToTt(2 * Math.PI)).toBe(0);
  });

  it('max_pixrad bounds the distance from a pixel centre to its boundary', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 11 }), unit, unit, unit, (o, f, a, b, t) => {
      const n = 2 ** o;
      const ix = Math.min(n - 1, Math.floor(a * n)), iy = Math.min(n - 1, Math.floor(b * n));
      const c = faceToRaDec(f, (ix + 0.5) / n, (iy + 0.5) / n);
      const dr = hp.maxPixrad(o);
      for (const [u, v] of [[0, t], [1, t], [t, 0], [t, 1], [0, 0], [1, 1], [0, 1], [1, 0]]) {
        const p = faceToRaDec(f, (ix + u) / n, (iy + v) / n);
        expect(sepRad(c[0], c[1], p[0], p[1])).toBeLessThanOrEqual(dr * (1 + 1e-12));
      }
    }), { numRuns: 4000 });
  });
});

describe('random discs', () => {
  // Radii from 1 mas to about three pixels of the order, below 179.9 deg (squared chords
  // resolve angles to ~1e-16 rad / sin(r): exact tests stay sharp away from r = 180 deg).
  const arbDisc = fc.tuple(arbPosition, fc.integer({ min: 0, max: 20 }), unit).map(([[ra, dec], o, f]) => {
    const rDeg = Math.min(179.9, Math.exp(Math.log(2.8e-7) + f * (Math.log(180 / 2 ** o) - Math.log(2.8e-7))));
    return { ra, dec, o, rDeg };
  });

  it('nestCover holds every sampled point and stays within HEALPix inclusive (fact 4, from the 12 base pixels)', () => {
    const out = new RangeList();
    fc.assert(fc.property(arbDisc, ({ ra, dec, o, rDeg }) => {
      hp.nestCover(o, ...vec(ra, dec), rDeg * DEG, out);
      for (const [pra, pdec] of samplesInDisc(ra, dec, rDeg, 60, o + 1)) {
        expect(out.has(hp.nestIndex(o, ...vec(pra, pdec)))).toBe(true);
        expect(out.has(hp.ang2pixNest(o, pra, pdec))).toBe(true);
      }
      // Within HEALPix's set up to exact ties (the real healpy's sets bound it exactly: disc.test.ts).
      const bound = healpyNestDisc(o, ra, dec, rDeg, true, 4, 1);
      expect(minus(fromRangeList(out), bound)).toEqual([]);
      expect(minus(fromRangeList(hp.queryDiscNest(o, ra, dec, rDeg)), bound)).toEqual([]);
    }), { numRuns: 1000 });
  });

  it('centre mode equals the exact centre-in-disc set, and RING gives the same pixels as NESTED', () => {
    fc.assert(fc.property(arbDisc, ({ ra, dec, o, rDeg }) => {
      const nest = fromRangeList(hp.queryDiscNest(o, ra, dec, rDeg, { inclusive: false }));
      const ring = fromRangeList(hp.queryDiscRing(o, ra, dec, rDeg, { inclusive: false }));
      const want = healpyNestDisc(o, ra, dec, rDeg, false);
      // Up to pixels whose centre is within 1e-9 r of the rim (the reference reads centres in degrees).
      for (const p of [...minus(nest, want), ...minus(want, nest)]) {
        const c = hp.pix2angNestBig(o, p);
        expect(Math.abs(sepRad(ra, dec, c.ra, c.dec) / (rDeg * DEG) - 1)).toBeLessThan(1e-9);
      }
      const byRing = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);
      expect(ids(ring).sort(byRing)).toEqual(ids(nest).map((p) => hp.nest2ringBig(o, p)).sort(byRing));
      const inclRing = fromRangeList(hp.queryDiscRing(o, ra, dec, rDeg));
      for (const [pra, pdec] of samplesInDisc(ra, dec, rDeg, 40, o)) expect(has(inclRing, hp.ang2pixRingBig(o, pra, pdec))).toBe(true);
    }), { numRuns: 1000 });
  });
});
