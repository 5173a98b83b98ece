// Point -> trixel id against lsst/sphgeom (../shared/data/vectors/htm_ids.csv)
// and against an exact-arithmetic-only reference of sphgeom's lookup.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { htmIndex, htmIndexRaDec, htmTrixel } from '../../src/htm/index.js';
import { readCsv } from '../support/vectors.js';
import { type V3, detSign, edgePoints, lcg, randomUnit, refIndex, vec } from './reference.js';

const DEPTHS = [0, 1, 5, 10, 14, 20];

/** Whether p lies in the closed trixel: exact orientation against each edge. */
function inClosedTrixel(id: number, p: V3): boolean {
  const [a, b, c] = htmTrixel(id).vertices;
  return detSign(p, a, b) >= 0 && detSign(p, b, c) >= 0 && detSign(p, c, a) >= 0;
}

describe('htmIndex against sphgeom', () => {
  const rows = readCsv('htm_ids.csv');

  it('reads all 10,262 points, 155 of them flagged on an edge', () => {
    expect(rows.length).toBe(10262);
    expect(rows.filter((r) => r.on_edge === '1').length).toBe(155);
  });

  it('gives sphgeom\'s id at depths 0, 1, 5, 10, 14, 20 for every point off an edge', () => {
    const bad: string[] = [];
    for (const r of rows) {
      if (r.on_edge !== '0') continue;
      for (const d of DEPTHS) {
        const got = htmIndexRaDec(d, Number(r.ra), Number(r.dec));
        if (got !== Number(r[`htm_d${d}`])) bad.push(`point ${r.point_id} depth ${d}: ${got} != ${r[`htm_d${d}`]}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('edge points: the documented tie-break (sphgeom\'s), and the point lies in the closed trixel', () => {
    const notSphgeom: string[] = [];
    const outside: string[] = [];
    for (const r of rows) {
      if (r.on_edge !== '1') continue;
      const p = vec(Number(r.ra), Number(r.dec));
      for (const d of DEPTHS) {
        const got = htmIndexRaDec(d, Number(r.ra), Number(r.dec));
        if (got !== Number(r[`htm_d${d}`])) notSphgeom.push(`point ${r.point_id} (${r.kind}) depth ${d}`);
        if (!inClosedTrixel(got, p)) outside.push(`point ${r.point_id} depth ${d}`);
      }
    }
    expect(outside).toEqual([]);
    expect(notSphgeom).toEqual([]);
  });

  it('htmIndex on the (ra, dec) vector equals htmIndexRaDec', () => {
    for (const r of rows.slice(0, 2000).concat(rows.slice(10000))) {
      const [x, y, z] = vec(Number(r.ra), Number(r.dec));
      expect(htmIndex(20, x, y, z)).toBe(Number(r.htm_d20));
    }
  });
});

describe('htmIndex against an exact-only reference', () => {
  it('matches on points exactly on or within ulps of edges and vertices, at depths up to 24', () => {
    const rnd = lcg(7);
    for (const p of edgePoints(1500, 11)) {
      const d = Math.floor(rnd() * 25);
      expect(htmIndex(d, p[0], p[1], p[2]), `(${p}) depth ${d}`).toBe(refIndex(d, p));
    }
  });

  it('matches on random points and on points nudged by 1..4 ulps', () => {
    const rnd = lcg(99);
    for (let i = 0; i < 400; i++) {
      const p = randomUnit(rnd);
      expect(htmIndex(24, p[0], p[1], p[2])).toBe(refIndex(24, p));
    }
    for (const p of edgePoints(400, 5)) {
      const q = p.map((c) => c + (Math.floor(rnd() * 9) - 4) * Number.EPSILON * Math.abs(c)) as V3;
      expect(htmIndex(22, q[0], q[1], q[2])).toBe(refIndex(22, q));
    }
  });

  it('poles, equator and RA 0/360 follow the documented root rule', () => {
    expect(htmIndex(0, 0, 0, 1)).toBe(15); // +z: z >= 0, y = 0, x >= 0 -> N3
    expect(htmIndex(0, 0, 0, -1)).toBe(8); // -z -> S0
    expect(htmIndex(0, 1, 0, 0)).toBe(15); // (0, 0) -> N3
    expect(htmIndex(0, -1, 0, 0)).toBe(13); // (180, 0) -> N1
    expect(htmIndex(0, 0, 1, 0)).toBe(14); // (90, 0): x = 0 -> N2
    expect(htmIndex(0, 0, -1, 0)).toBe(12); // (270, 0): x = 0, y < 0 -> N0
    expect(htmIndexRaDec(0, 0, 10)).toBe(15);
    expect(htmIndexRaDec(0, 360, 10)).toBe(12); // sin(2 pi) < 0: just below y = 0, as sphgeom
    expect(htmIndexRaDec(0, 0, -10)).toBe(8);
    expect(htmIndexRaDec(0, 360, -10)).toBe(11);
    for (const d of [0, 7, 24]) {
      expect(htmIndexRaDec(d, 123.4, 90)).toBe(refIndex(d, vec(123.4, 90)));
      expect(htmIndexRaDec(d, 359.99, -90)).toBe(refIndex(d, vec(359.99, -90)));
    }
  });
});

describe('htmIndex properties', () => {
  const arbPoint = fc.tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }))
    // Tiny components flushed to 0 so that scaling by 2^-60 stays exact (no subnormals).
    .map((p) => p.map((c) => (Math.abs(c) < 1e-200 ? 0 : c)) as V3)
    .filter(([x, y, z]) => Math.abs(x) + Math.abs(y) + Math.abs(z) > 1e-3);

  it('ids nest: the depth-d id is the depth-24 id without its last 2 (24 - d) bits', () => {
    fc.assert(fc.property(arbPoint, fc.integer({ min: 0, max: 24 }), ([x, y, z], d) => {
      const deep = htmIndex(24, x, y, z);
      expect(htmIndex(d, x, y, z)).toBe(Math.floor(deep / 4 ** (24 - d)));
      expect(deep).toBeGreaterThanOrEqual(8 * 4 ** 24);
      expect(deep).toBeLessThan(16 * 4 ** 24);
    }), { numRuns: 300 });
  });

  it('only the direction counts: scaling by powers of two keeps the id; the closed trixel holds the point', () => {
    fc.assert(fc.property(arbPoint, fc.integer({ min: -60, max: 60 }), fc.integer({ min: 0, max: 24 }), ([x, y, z], e, d) => {
      const s = 2 ** e;
      const id = htmIndex(d, x, y, z);
      expect(htmIndex(d, x * s, y * s, z * s)).toBe(id);
      const n = Math.hypot(x, y, z);
      expect(inClosedTrixel(id, [x / n, y / n, z / n]) || inClosedTrixel(id, [x, y, z])).toBe(true);
    }), { numRuns: 300 });
  });

  it('rejects bad depths and vectors with a RangeError naming the value', () => {
    expect(() => htmIndex(25, 1, 0, 0)).toThrow(/HTM depth must be an integer in \[0, 24\], got 25/);
    expect(() => htmIndex(-1, 1, 0, 0)).toThrow(RangeError);
    expect(() => htmIndex(2.5, 1, 0, 0)).toThrow(/got 2.5/);
    expect(() => htmIndex(Number.NaN, 1, 0, 0)).toThrow(/got NaN/);
    expect(() => htmIndex(3, 0, 0, 0)).toThrow(/HTM point must be a finite vector.*got \(0, 0, 0\)/);
    expect(() => htmIndex(3, Number.NaN, 0, 1)).toThrow(/got \(NaN, 0, 1\)/);
    expect(() => htmIndex(3, Infinity, 0, 1)).toThrow(RangeError);
    expect(() => htmIndexRaDec(3, 10, 91.2)).toThrow('dec must be in [-90, 90], got 91.2');
    expect(() => htmIndexRaDec(3, Number.NaN, 0)).toThrow('ra must be a finite number of degrees, got NaN');
    expect(() => htmIndexRaDec(30, 10, 10)).toThrow(/got 30/);
  });
});
