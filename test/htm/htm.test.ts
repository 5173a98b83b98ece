// HTM against lsst/sphgeom and the JHU library (../shared/data/vectors).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { htmCover, htmDepth, htmIdFromName, htmIndex, htmIndexRaDec, htmInterior, htmName, htmTrixel } from '../../src/htm/index.js';
import { RangeList } from '../../src/sky/ranges.js';
import { samplesInDisc } from '../support/sky.js';
import { parseRanges, rangesToSet, readCsv } from '../support/vectors.js';

const DEPTHS = [0, 1, 5, 10, 14, 20];
const DEG = Math.PI / 180;
const vec = (ra: number, dec: number): [number, number, number] => [
  Math.cos(dec * DEG) * Math.cos(ra * DEG), Math.cos(dec * DEG) * Math.sin(ra * DEG), Math.sin(dec * DEG),
];

/** Whether p lies in the closed trixel, within tol radians of its boundary. */
function inClosedTrixel(id: number, p: [number, number, number], tol: number): boolean {
  const [a, b, c] = htmTrixel(id).vertices;
  const det = (u: number[], v: number[]) => p[0] * (u[1] * v[2] - u[2] * v[1]) + p[1] * (u[2] * v[0] - u[0] * v[2]) + p[2] * (u[0] * v[1] - u[1] * v[0]);
  return det(a, b) >= -tol && det(b, c) >= -tol && det(c, a) >= -tol;
}

describe('HTM ids against sphgeom', () => {
  const rows = readCsv('htm_ids.csv');

  it('every point off an edge gets sphgeom\'s id at depths 0..20; edge points lie in their closed trixel', () => {
    let onEdge = 0, sameAsSphgeom = 0;
    for (const r of rows) {
      const ra = Number(r.ra), dec = Number(r.dec);
      for (const d of DEPTHS) {
        const id = htmIndexRaDec(d, ra, dec);
        const want = Number(r[`htm_d${d}`]);
        if (r.on_edge === '0') {
          expect(id, `point ${r.point_id} depth ${d}`).toBe(want);
        } else {
          onEdge++;
          if (id === want) sameAsSphgeom++;
          expect(inClosedTrixel(id, vec(ra, dec), 1e-12)).toBe(true);
        }
      }
    }
    // Our tie-break (corner child first; sphgeom's root rule) happens to be sphgeom's on these points.
    expect(sameAsSphgeom).toBe(onEdge);
  });

  it('names, depths and trixel vertices', () => {
    expect(htmName(8)).toBe('S0');
    expect(htmName(15)).toBe('N3');
    expect(htmIdFromName('N0123')).toBe(((12 * 4 + 1) * 4 + 2) * 4 + 3);
    expect(htmName(htmIdFromName('S3012301230123'))).toBe('S3012301230123');
    expect(htmDepth(8 * 4 ** 24)).toBe(24);
    expect(htmTrixel(12).vertices).toEqual([[1, 0, 0], [0, 0, 1], [0, -1, 0]]);
    const t = htmTrixel(htmIdFromName('N31'));
    // Child 1 of N3 = (v2, v0, v1) is (b, w0, w2) = (+z, mid(+z, +x), mid(+y, +z)).
    expect(t.vertices[0]).toEqual([0, 0, 1]);
    expect(() => htmIdFromName('X01')).toThrow('HTM name must look like');
    expect(() => htmDepth(7)).toThrow('HTM id must be an integer');
    expect(() => htmIndexRaDec(25, 0, 0)).not.toThrow(); // the lookup itself trusts its caller
  });
});

describe('HTM covers against sphgeom', () => {
  const rows = readCsv('htm_cover.csv');
  const groups = new Map<string, Record<string, Record<string, string>>>();
  for (const r of rows) {
    const k = `${r.disc_id}/${r.depth}`;
    if (!groups.has(k)) groups.set(k, {});
    groups.get(k)![r.source] = r;
  }

  it('cover holds every trixel of points in the disc and stays within sphgeom\'s envelope', () => {
    const out = new RangeList();
    for (const g of groups.values()) {
      const r = g.sphgeom_envelope;
      const d = Number(r.depth), ra = Number(r.ra), dec = Number(r.dec), rad = Number(r.radius_deg);
      const [x, y, z] = vec(ra, dec);
      htmCover(d, x, y, z, rad * DEG, out);
      const got = rangesToSet(out.toInclusive().map(([a, b]) => [BigInt(a), BigInt(b)]));
      const env = rangesToSet(parseRanges(r.ranges));
      expect([...got].filter((p) => !env.has(p)), `disc ${r.disc_id} depth ${d}`).toEqual([]);
      for (const [pra, pdec] of samplesInDisc(ra, dec, rad, 300, Number(r.disc_id) * 31 + d)) {
        expect(got.has(BigInt(htmIndexRaDec(d, pra, pdec))), `disc ${r.disc_id} depth ${d} (${pra}, ${pdec})`).toBe(true);
      }
      htmInterior(d, x, y, z, rad * DEG, out);
      const inner = rangesToSet(out.toInclusive().map(([a, b]) => [BigInt(a), BigInt(b)]));
      const refInner = new Set([...rangesToSet(parseRanges(g.sphgeom_interior.ranges)), ...rangesToSet(parseRanges(g.jhu_full.ranges))]);
      expect([...inner].filter((p) => !refInner.has(p) || !got.has(p))).toEqual([]);
    }
  });
});

describe('HTM properties', () => {
  it('random circles: every sampled point is covered, the centre\'s trixel too; caps keep a superset', () => {
    const out = new RangeList(), capped = new RangeList();
    fc.assert(fc.property(
      fc.double({ min: 0, max: 360, maxExcluded: true, noNaN: true }), fc.double({ min: -90, max: 90, noNaN: true }),
      fc.integer({ min: 0, max: 16 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 8 }),
      (ra, dec, d, f, cap) => {
        // From 0 and 1 mas up to ~20 trixels across (120 deg at depth 0).
        const maxDeg = Math.min(120, (20 * 90) / 2 ** d);
        const rDeg = f < 0.05 ? 0 : Math.exp(Math.log(2.8e-7) + f * (Math.log(maxDeg) - Math.log(2.8e-7)));
        const [x, y, z] = vec(ra, dec);
        htmCover(d, x, y, z, rDeg * DEG, out);
        expect(out.has(htmIndex(d, x, y, z))).toBe(true);
        for (const [pra, pdec] of samplesInDisc(ra, dec, rDeg, 30, d)) expect(out.has(htmIndexRaDec(d, pra, pdec))).toBe(true);
        htmCover(d, x, y, z, rDeg * DEG, capped, cap);
        expect(capped.length).toBeLessThanOrEqual(cap);
        for (let i = 0; i < out.length; i++) {
          expect(capped.has(out.start(i))).toBe(true);
          expect(capped.has(out.end(i) - 1)).toBe(true);
        }
      }), { numRuns: 1500 });
  });
});
