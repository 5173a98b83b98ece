// query_disc and the engine's cover against healpy 1.16.1
// (healpix_query_disc.csv; see the vectors README for why inclusive sets are
// bounded, not matched, and why order 29 is compared loosely) and against
// geometry: pixels of points sampled in the disc and on its rim.

import { describe, expect, it } from 'vitest';
import * as hp from '../../src/healpix/index.js';
import { RangeList } from '../../src/sky/ranges.js';
import { samplesInDisc } from '../support/sky.js';
import { readCsv } from '../support/vectors.js';
import {
  DEG, centresInside, count, fromRangeList, has, ids, merge, minus, parseHalfOpen, sepRad, vec, type Ranges,
} from './reference.js';

const rows = readCsv('healpix_query_disc.csv');

function query(scheme: string, o: number, ra: number, dec: number, rDeg: number, opts: hp.DiscOptions): Ranges {
  if (o > 24) return scheme === 'nest' ? hp.queryDiscNestBig(o, ra, dec, rDeg, opts) : hp.queryDiscRingBig(o, ra, dec, rDeg, opts);
  const big = scheme === 'nest' ? hp.queryDiscNestBig(o, ra, dec, rDeg, opts) : hp.queryDiscRingBig(o, ra, dec, rDeg, opts);
  const num = fromRangeList(scheme === 'nest' ? hp.queryDiscNest(o, ra, dec, rDeg, opts) : hp.queryDiscRing(o, ra, dec, rDeg, opts));
  expect(num).toEqual(big);
  return big;
}

function pixelOf(scheme: string, o: number, ra: number, dec: number): bigint {
  return scheme === 'nest' ? hp.ang2pixNestBig(o, ra, dec) : hp.ang2pixRingBig(o, ra, dec);
}

describe('query_disc against healpy, orders 0..20', () => {
  it('centre mode equals healpy (498 cases, both schemes)', () => {
    let cases = 0;
    for (const r of rows) {
      const o = Number(r.order);
      if (o > 20 || r.inclusive !== '0') continue;
      const got = query(r.scheme, o, Number(r.ra), Number(r.dec), Number(r.radius_deg), { inclusive: false });
      expect(got, `disc ${r.disc_id} order ${o} ${r.scheme}`).toEqual(parseHalfOpen(r.ranges));
      cases++;
    }
    expect(cases).toBe(498);
  });

  it('inclusive mode: sampled points and centre set ⊆ ours ⊆ healpy (498 cases)', () => {
    let cases = 0, ours = 0n, theirs = 0n;
    for (const r of rows) {
      const o = Number(r.order);
      if (o > 20 || r.inclusive !== '1') continue;
      const ra = Number(r.ra), dec = Number(r.dec), rDeg = Number(r.radius_deg);
      const got = query(r.scheme, o, ra, dec, rDeg, { inclusive: true, fact: Number(r.fact) });
      const healpy = parseHalfOpen(r.ranges);
      const what = `disc ${r.disc_id} order ${o} ${r.scheme}`;
      expect(minus(got, healpy), what).toEqual([]);
      expect(minus(query(r.scheme, o, ra, dec, rDeg, { inclusive: false }), got), what).toEqual([]);
      for (const [pra, pdec] of samplesInDisc(ra, dec, rDeg, 150, Number(r.disc_id) * 31 + o)) {
        expect(has(got, pixelOf(r.scheme, o, pra, pdec)), `${what}: point (${pra}, ${pdec})`).toBe(true);
      }
      ours += count(got);
      theirs += count(healpy);
      cases++;
    }
    expect(cases).toBe(498);
    // Tight: within a fraction of a percent of healpy's own over-approximation.
    expect(Number(ours)).toBeGreaterThan(0.99 * Number(theirs));
  });

  it('the engine cover (nestCover) holds every sampled point and stays within healpy inclusive (fact 4)', () => {
    const out = new RangeList();
    let cases = 0;
    for (const r of rows) {
      const o = Number(r.order);
      if (o > 20 || r.inclusive !== '1' || r.scheme !== 'nest') continue;
      const ra = Number(r.ra), dec = Number(r.dec), rDeg = Number(r.radius_deg);
      const [x, y, z] = vec(ra, dec);
      hp.nestCover(o, x, y, z, rDeg * DEG, out);
      const cover = fromRangeList(out);
      expect(cover).toEqual(merge(cover)); // sorted and merged
      expect(minus(cover, parseHalfOpen(r.ranges)), `disc ${r.disc_id} order ${o}`).toEqual([]);
      hp.nestCoverLoc(o, x, y, z, Math.atan2(y, x), rDeg * DEG, out);
      expect(fromRangeList(out)).toEqual(cover);
      for (const [pra, pdec] of samplesInDisc(ra, dec, rDeg, 150, Number(r.disc_id) * 17 + o)) {
        const [px, py, pz] = vec(pra, pdec);
        expect(out.has(hp.nestIndex(o, px, py, pz)), `disc ${r.disc_id} order ${o}: (${pra}, ${pdec})`).toBe(true);
      }
      cases++;
    }
    expect(cases).toBe(249);
  });
});

describe('query_disc at order 29 (0.01" discs): exact geometry, healpy up to its rim blur', () => {
  const o = 29;
  const r29 = rows.filter((r) => r.order === '29');
  const dr = hp.maxPixrad(29);

  it('centre mode is the exact centre-in-disc set; healpy differs only within 0.1 r of the rim', () => {
    expect(r29.length).toBe(28);
    for (const r of r29) {
      if (r.inclusive !== '0') continue;
      const ra = Number(r.ra), dec = Number(r.dec), rDeg = Number(r.radius_deg);
      const got = query(r.scheme, o, ra, dec, rDeg, { inclusive: false });
      const superset = query(r.scheme, o, ra, dec, rDeg, { inclusive: true, fact: 1 });
      const exact = centresInside(o, superset, ra, dec, rDeg, r.scheme as 'nest' | 'ring');
      const diff = [...minus(got, exact.inside, 1e9), ...minus(exact.inside, got, 1e9)];
      expect(diff.filter((p) => !exact.nearRim.has(p)), `disc ${r.disc_id} ${r.scheme}`).toEqual([]);
      const healpy = parseHalfOpen(r.ranges);
      for (const p of [...minus(got, healpy, 1e9), ...minus(healpy, got, 1e9)]) {
        const c = r.scheme === 'nest' ? hp.pix2angNestBig(o, p) : hp.pix2angRingBig(o, p);
        expect(Math.abs(sepRad(ra, dec, c.ra, c.dec) / (rDeg * DEG) - 1), `disc ${r.disc_id} ${r.scheme} pixel ${p}`).toBeLessThan(0.1);
      }
    }
  });

  it('inclusive mode holds every sampled point; healpy differs only near the rim', () => {
    for (const r of r29) {
      if (r.inclusive !== '1') continue;
      const ra = Number(r.ra), dec = Number(r.dec), rDeg = Number(r.radius_deg), rad = rDeg * DEG;
      const got = query(r.scheme, o, ra, dec, rDeg, { inclusive: true, fact: 1 });
      for (const [pra, pdec] of samplesInDisc(ra, dec, rDeg, 300, Number(r.disc_id))) {
        expect(has(got, pixelOf(r.scheme, o, pra, pdec))).toBe(true);
      }
      const healpy = parseHalfOpen(r.ranges);
      for (const p of [...minus(got, healpy, 1e9), ...minus(healpy, got, 1e9)]) {
        const c = r.scheme === 'nest' ? hp.pix2angNestBig(o, p) : hp.pix2angRingBig(o, p);
        const d = sepRad(ra, dec, c.ra, c.dec);
        expect(d, `disc ${r.disc_id} ${r.scheme} pixel ${p}`).toBeGreaterThan(0.9 * rad);
        expect(d, `disc ${r.disc_id} ${r.scheme} pixel ${p}`).toBeLessThan(1.1 * rad + dr);
      }
    }
  });
});

describe('disc edge cases', () => {
  it('radius >= 180 deg is the whole sky, in both schemes and in the cover', () => {
    for (const o of [0, 3, 24]) {
      const all = [[0n, BigInt(hp.npixOf(o))]];
      expect(fromRangeList(hp.queryDiscNest(o, 10, 20, 180))).toEqual(all);
      expect(fromRangeList(hp.queryDiscRing(o, 10, 20, 200, { inclusive: false }))).toEqual(all);
      const out = new RangeList();
      hp.nestCover(o, 1, 0, 0, Math.PI, out);
      expect(fromRangeList(out)).toEqual(all);
    }
    expect(hp.queryDiscRingBig(29, 0, -90, 180)).toEqual([[0n, 12n << 58n]]);
  });

  it('radius 0: the pixel(s) holding the centre (inclusive); centre mode is an exact point-in-disc test', () => {
    for (const [ra, dec] of [[12.3, 45.6], [0, 0], [359.9999, -89.99], [45, 90], [200, -90]]) {
      for (const o of [0, 9, 24]) {
        const p = BigInt(hp.ang2pixNest(o, ra, dec));
        const got = fromRangeList(hp.queryDiscNest(o, ra, dec, 0));
        expect(has(got, p)).toBe(true);
        expect(count(got)).toBeLessThanOrEqual(4n); // more only where pixels meet at the centre
        expect(has(fromRangeList(hp.queryDiscRing(o, ra, dec, 0)), BigInt(hp.ang2pixRing(o, ra, dec)))).toBe(true);
        const out = new RangeList();
        hp.nestCover(o, ...vec(ra, dec), 0, out);
        expect(out.has(Number(p))).toBe(true);
      }
    }
    // A centre given in degrees is a pixel centre only to ~1e-16 rad: a hair of radius catches it.
    const c = hp.pix2angNest(7, 1234);
    expect(fromRangeList(hp.queryDiscNest(7, c.ra, c.dec, 1e-12, { inclusive: false }))).toEqual([[1234n, 1235n]]);
    expect(fromRangeList(hp.queryDiscRing(7, c.ra, c.dec, 1e-12, { inclusive: false }))).toEqual([[BigInt(hp.nest2ring(7, 1234)), BigInt(hp.nest2ring(7, 1234)) + 1n]]);
    expect(fromRangeList(hp.queryDiscNest(7, c.ra + 1e-9, c.dec, 1e-12, { inclusive: false }))).toEqual([]);
    expect(fromRangeList(hp.queryDiscNest(7, 12.3, 45.6, 0, { inclusive: false }))).toEqual([]);
  });

  it('discs on the poles and across RA 0/360: NESTED and RING centre sets agree, samples are covered', () => {
    const cases: Array<[number, number, number, number]> = [
      [0, 90, 1, 6], [123, 90, 0.001, 16], [0, -90, 30, 3], [359.99999, -89.9999, 0.01, 18],
      [0, 0, 2, 8], [359.9999, 10, 0.5, 10], [1e-7, -41.8103148957786, 0.05, 14], [180, 41.8103148957786, 3, 7],
    ];
    for (const [ra, dec, rDeg, o] of cases) {
      const nest = query('nest', o, ra, dec, rDeg, { inclusive: false });
      const ring = query('ring', o, ra, dec, rDeg, { inclusive: false });
      expect(ids(ring).sort((a, b) => (a < b ? -1 : 1))).toEqual(ids(nest).map((p) => hp.nest2ringBig(o, p)).sort((a, b) => (a < b ? -1 : 1)));
      const inclN = query('nest', o, ra, dec, rDeg, {});
      const inclR = query('ring', o, ra, dec, rDeg, {});
      const out = new RangeList();
      hp.nestCover(o, ...vec(ra, dec), rDeg * DEG, out);
      for (const [pra, pdec] of samplesInDisc(ra, dec, rDeg, 200, o)) {
        expect(has(inclN, hp.ang2pixNestBig(o, pra, pdec))).toBe(true);
        expect(has(inclR, hp.ang2pixRingBig(o, pra, pdec))).toBe(true);
        expect(out.has(hp.ang2pixNest(o, pra, pdec))).toBe(true);
      }
    }
  });

  it('a large RING disc is one run per ring; oversized outputs are refused', () => {
    const ring = fromRangeList(hp.queryDiscRing(10, 30, 60, 40, { inclusive: false }));
    const nest = fromRangeList(hp.queryDiscNest(10, 30, 60, 40, { inclusive: false }));
    expect(count(ring)).toBe(count(nest));
    expect(ring.length).toBeLessThanOrEqual(2 * 4 * 1024);
    expect(() => hp.queryDiscNest(24, 0, 0, 60)).toThrow('use a lower order');
    expect(() => hp.queryDiscRingBig(29, 0, 0, 10)).toThrow('use a lower order');
  });
});
