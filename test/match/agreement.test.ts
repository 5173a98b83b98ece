import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SkyIndex } from '../../src/match/sky-index.js';
import { brutePairs, bruteCone, byNumber, edgeSky, randomSky, type Sky } from '../support/sky.js';
import { SCHEMES } from '../support/schemes.js';

const RADII = [0, 0.001, 1, 2, 60, 3600, 30 * 3600, 100 * 3600, 180 * 3600];

const arbRa = fc.oneof(
  fc.double({ min: 0, max: 360, maxExcluded: true, noNaN: true }),
  fc.constantFrom(0, 1e-13, 359.9999999999999, 359.9999, 180, 90),
);
const arbDec = fc.oneof(
  fc.double({ min: -90, max: 90, noNaN: true }),
  fc.constantFrom(90, -90, 89.9999999, -89.9999999, 0, 89.5, -89.5),
);

/** A catalog with a cluster around a centre, so that small cones find rows. */
const arbCatalogAndCone = fc
  .record({
    cra: arbRa,
    cdec: arbDec,
    far: fc.array(fc.tuple(arbRa, arbDec), { maxLength: 40 }),
    near: fc.array(fc.tuple(fc.double({ min: -0.02, max: 0.02, noNaN: true }), fc.double({ min: -0.02, max: 0.02, noNaN: true })), { maxLength: 60 }),
    dup: fc.nat(3),
    radius: fc.oneof(fc.constantFrom(...RADII), fc.double({ min: 0, max: 200, noNaN: true })),
  })
  .map(({ cra, cdec, far, near, dup, radius }) => {
    const pts: Array<[number, number]> = [...far];
    for (const [dr, dd] of near) {
      const dec = Math.max(-90, Math.min(90, cdec + dd));
      pts.push([(((cra + dr) % 360) + 360) % 360, dec]);
    }
    for (let i = 0; i < dup && pts.length > 0; i++) pts.push(pts[0]);
    const cat: Sky = { ra: Float64Array.from(pts, (p) => p[0]), dec: Float64Array.from(pts, (p) => p[1]) };
    return { cat, ra: cra, dec: cdec, radius };
  });

describe.each(SCHEMES)('cone, scheme %j', (scheme) => {
  it('agrees with brute force on random catalogs', () => {
    fc.assert(
      fc.property(arbCatalogAndCone, ({ cat, ra, dec, radius }) => {
        const index = SkyIndex.build(cat.ra, cat.dec, scheme);
        const got = Array.from(index.cone(ra, dec, radius)).sort(byNumber);
        expect(got).toEqual(bruteCone(cat, ra, dec, radius));
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with brute force at poles, RA 0/360 and duplicates', () => {
    const cat = edgeSky();
    const index = SkyIndex.build(cat.ra, cat.dec, scheme);
    for (let q = 0; q < cat.ra.length; q++) {
      for (const r of RADII) {
        const got = Array.from(index.cone(cat.ra[q], cat.dec[q], r)).sort(byNumber);
        expect(got, `query ${q} r=${r}`).toEqual(bruteCone(cat, cat.ra[q], cat.dec[q], r));
      }
    }
  });

  it('handles an empty catalog and a single row', () => {
    const empty = SkyIndex.build(new Float64Array(0), new Float64Array(0), scheme);
    expect(empty.cone(10, 10, 3600 * 180).length).toBe(0);
    const one = SkyIndex.build(Float64Array.of(10), Float64Array.of(-20), scheme);
    expect(Array.from(one.cone(10, -20, 0))).toEqual([0]);
    expect(Array.from(one.cone(10, -20.001, 3.61))).toEqual([0]);
    expect(Array.from(one.cone(10, -20.001, 3.59))).toEqual([]);
  });

  it('reopens from its buffer without copying and answers the same', () => {
    const cat = randomSky(2000, 11);
    const index = SkyIndex.build(cat.ra, cat.dec, scheme);
    const copy = new ArrayBuffer(index.byteLength + 16);
    new Uint8Array(copy, 16).set(index.bytes());
    const reopened = SkyIndex.open(copy, 16);
    expect(reopened.keys.buffer).toBe(copy);
    expect(reopened.scheme).toEqual(index.scheme);
    for (let q = 0; q < 50; q++) {
      const a = Array.from(index.cone(cat.ra[q], cat.dec[q], 3 * 3600)).sort(byNumber);
      const b = Array.from(reopened.cone(cat.ra[q], cat.dec[q], 3 * 3600)).sort(byNumber);
      expect(b).toEqual(a);
    }
  });
});

describe.each(SCHEMES)('crossmatch, scheme %j', (scheme) => {
  const cat = randomSky(3000, 1);
  const probes = randomSky(800, 2);
  // Add probes right on catalog rows, at the poles and across RA 0/360.
  const extra = edgeSky();
  const pra = Float64Array.from([...probes.ra, ...cat.ra.slice(0, 100), ...extra.ra]);
  const pdec = Float64Array.from([...probes.dec, ...cat.dec.slice(0, 100), ...extra.dec]);
  const catAll = { ra: Float64Array.from([...cat.ra, ...extra.ra]), dec: Float64Array.from([...cat.dec, ...extra.dec]) };

  it.each([0, 1, 600, 3600 * 2, 3600 * 95])('all pairs equal brute force at r=%s"', (r) => {
    const index = SkyIndex.build(catAll.ra, catAll.dec, scheme);
    const m = index.crossmatch(pra, pdec, { radiusArcsec: r });
    const got = Array.from({ length: m.length }, (_, i) => [m.probe[i], m.row[i]]);
    const want = brutePairs(catAll, { ra: pra, dec: pdec }, r)
      .sort((a, b) => a[0] - b[0] || a[2] - b[2] || a[1] - b[1])
      .map(([p, i]) => [p, i]);
    expect(got).toEqual(want);
  });

  it('best mode returns the nearest row per probe', () => {
    const index = SkyIndex.build(catAll.ra, catAll.dec, scheme);
    const r = 3600;
    const m = index.crossmatch(pra, pdec, { radiusArcsec: r, mode: 'best' });
    const pairs = brutePairs(catAll, { ra: pra, dec: pdec }, r);
    const best = new Map<number, [number, number]>();
    for (const [p, i, d] of pairs) {
      const b = best.get(p);
      if (!b || d < b[1] || (d === b[1] && i < b[0])) best.set(p, [i, d]);
    }
    expect(m.length).toBe(best.size);
    for (let k = 0; k < m.length; k++) expect(m.row[k]).toBe(best.get(m.probe[k])![0]);
  });

  it('nearest-k returns the k closest within the radius', () => {
    const index = SkyIndex.build(catAll.ra, catAll.dec, scheme);
    const k = 3;
    const m = index.crossmatch(pra.slice(0, 200), pdec.slice(0, 200), { radiusArcsec: 180 * 3600, mode: 'nearest', k });
    const pairs = brutePairs(catAll, { ra: pra.slice(0, 200), dec: pdec.slice(0, 200) }, 180 * 3600)
      .sort((a, b) => a[0] - b[0] || a[2] - b[2] || a[1] - b[1]);
    const want: number[][] = [];
    let last = -1, taken = 0;
    for (const [p, i] of pairs) {
      if (p !== last) { last = p; taken = 0; }
      if (taken++ < k) want.push([p, i]);
    }
    expect(Array.from({ length: m.length }, (_, i) => [m.probe[i], m.row[i]])).toEqual(want);
  });

  it('per-probe radii and self-match', () => {
    const index = SkyIndex.build(cat.ra, cat.dec, scheme);
    const radii = Float64Array.from(cat.ra, (_, i) => (i % 7) * 400);
    const m = index.selfMatch(cat.ra, cat.dec, { radiusArcsec: radii });
    const want = brutePairs(cat, cat, radii, true)
      .sort((a, b) => a[0] - b[0] || a[2] - b[2] || a[1] - b[1])
      .map(([p, i]) => [p, i]);
    expect(Array.from({ length: m.length }, (_, i) => [m.probe[i], m.row[i]])).toEqual(want);
  });
});

describe('validation', () => {
  it('names the bad value', () => {
    expect(() => SkyIndex.build(Float64Array.of(1, 2), Float64Array.of(0, 91.2))).toThrow(
      'dec[1] must be in [-90, 90], got 91.2',
    );
    expect(() => SkyIndex.build(Float64Array.of(NaN), Float64Array.of(0))).toThrow('ra[0] must be a finite');
    const index = SkyIndex.build(Float64Array.of(1), Float64Array.of(1));
    expect(() => index.cone(1, 1, -1)).toThrow('radiusArcsec must be a finite number of arcsec >= 0, got -1');
    expect(() => index.cone(1, 91.2, 1)).toThrow('dec must be in [-90, 90], got 91.2');
    expect(() => index.crossmatch(Float64Array.of(1), Float64Array.of(1), { radiusArcsec: 1, mode: 'x' as 'all' })).toThrow('mode must be');
  });
});
