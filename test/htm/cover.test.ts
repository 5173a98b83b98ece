// Circle -> id ranges: htmCover (superset of the trixels the disc touches)
// and htmInterior, against sphgeom / JHU (htm_cover.csv), brute-force
// geometry over every trixel at shallow depths, and sampled discs.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { htmCover, htmIndex, htmInterior, htmTrixel } from '../../src/htm/index.js';
import { RangeList } from '../../src/sky/ranges.js';
import { readCsv } from '../support/vectors.js';
import {
  type V3, allTrixels, discSamples, distToTriangle, edgePoints, lcg, randomUnit, vec,
  farthestInTriangle,
} from './reference.js';

type Ranges = Array<[number, number]>; // half-open, sorted, disjoint

const DEG = Math.PI / 180;

/** 'a-b;c' (inclusive) -> half-open ranges. */
function parse(s: string): Ranges {
  if (!s) return [];
  return s.split(';').map((part) => {
    const [a, b] = part.split('-').map(Number);
    return [a, (b ?? a) + 1] as [number, number];
  });
}

const list = (r: RangeList): Ranges => r.toArray();

function union(a: Ranges, b: Ranges): Ranges {
  const all = [...a, ...b].sort((p, q) => p[0] - q[0]);
  const out: Ranges = [];
  for (const [s, e] of all) {
    if (out.length > 0 && s <= out[out.length - 1][1]) out[out.length - 1][1] = Math.max(out[out.length - 1][1], e);
    else out.push([s, e]);
  }
  return out;
}

/** Ids of `a` that are not in `b`, listed up to 20 (as inclusive ranges). */
function notIn(a: Ranges, b: Ranges): string[] {
  const out: string[] = [];
  let j = 0;
  for (const [s0, e] of a) {
    let s = s0;
    while (s < e && out.length < 20) {
      while (j < b.length && b[j][1] <= s) j++;
      if (j < b.length && b[j][0] <= s) { s = Math.min(e, b[j][1]); continue; }
      const stop = j < b.length ? Math.min(e, b[j][0]) : e;
      out.push(`${s}-${stop - 1}`);
      s = stop;
    }
  }
  return out;
}

const has = (r: Ranges, id: number): boolean => r.some(([s, e]) => id >= s && id < e);
const count = (r: Ranges): number => r.reduce((n, [s, e]) => n + e - s, 0);

describe('covers against sphgeom and JHU (htm_cover.csv)', () => {
  const groups = new Map<string, Record<string, Record<string, string>>>();
  for (const r of readCsv('htm_cover.csv')) {
    const k = `${r.disc_id}/${r.depth}`;
    if (!groups.has(k)) groups.set(k, {});
    groups.get(k)![r.source] = r;
  }
  const cases = [...groups.values()].map((g) => {
    const r = g.sphgeom_envelope;
    return {
      label: `disc ${r.disc_id} depth ${r.depth}`, disc: Number(r.disc_id), depth: Number(r.depth),
      p: vec(Number(r.ra), Number(r.dec)), rad: Number(r.radius_deg) * DEG,
      envelope: parse(r.ranges), interior: parse(g.sphgeom_interior.ranges), jhuFull: parse(g.jhu_full.ranges),
    };
  });

  it('has the 255 disc x depth cases', () => expect(cases.length).toBe(255));

  it('cover holds every sampled point of the disc (a third on the rim at (1 - 1e-9) r) and stays within the sphgeom envelope', () => {
    const out = new RangeList();
    const missing: string[] = [];
    let ours = 0, theirs = 0;
    for (const c of cases) {
      htmCover(c.depth, c.p[0], c.p[1], c.p[2], c.rad, out);
      const cover = list(out);
      for (const q of discSamples(c.p, c.rad, 300, lcg(c.disc * 31 + c.depth))) {
        const id = htmIndex(c.depth, q[0], q[1], q[2]);
        if (!has(cover, id)) missing.push(`${c.label}: ${id} of (${q})`);
      }
      expect(notIn(cover, c.envelope), c.label).toEqual([]);
      ours += count(cover);
      theirs += count(c.envelope);
    }
    expect(missing).toEqual([]);
    // Tighter, if anything: the envelope may list trixels that only come close.
    expect(ours).toBeLessThanOrEqual(theirs);
  });

  it('interior lies within sphgeom interior U JHU full and within the cover, and misses nothing clearly inside', () => {
    const inner = new RangeList(), cover = new RangeList();
    for (const c of cases) {
      htmInterior(c.depth, c.p[0], c.p[1], c.p[2], c.rad, inner);
      htmCover(c.depth, c.p[0], c.p[1], c.p[2], c.rad, cover);
      const mine = list(inner);
      expect(notIn(mine, union(c.interior, c.jhuFull)), c.label).toEqual([]);
      expect(notIn(mine, list(cover)), c.label).toEqual([]);
      // sphgeom interior trixels we leave out must touch the rim band (conservative margin).
      for (const r of notIn(c.interior, mine)) {
        const [a, b] = r.split('-').map(Number);
        for (let id = a; id <= Math.min(b, a + 50); id++) {
          expect(farthestInTriangle(c.p, htmTrixel(id).vertices), `${c.label} trixel ${id}`).toBeGreaterThan(c.rad - 1e-9);
        }
      }
    }
  });
});

describe('covers against brute-force geometry over every trixel (depths 0..5)', () => {
  const levels = [0, 1, 2, 3, 4, 5].map((d) => allTrixels(d));
  const BAND = 1e-9; // rad: trixels this close to the rim may go either way

  function check(p: V3, r: number, d: number): void {
    const cover = new RangeList(), inner = new RangeList();
    htmCover(d, p[0], p[1], p[2], r, cover);
    htmInterior(d, p[0], p[1], p[2], r, inner);
    const c = list(cover), i = list(inner);
    for (const { id, t } of levels[d]) {
      const near = distToTriangle(p, t), far = farthestInTriangle(p, t);
      const label = `(${p}) r ${r} depth ${d} trixel ${id}: near ${near} far ${far}`;
      if (near <= r - BAND || (r === 0 && near === 0)) expect(has(c, id), label).toBe(true);
      if (near > r + BAND) expect(has(c, id), label).toBe(false);
      if (far < r - BAND) expect(has(i, id), label).toBe(true);
      if (far > r + BAND) expect(has(i, id), label).toBe(false);
    }
  }

  it('random circles of every size, 1 mas to 180 deg', () => {
    const rnd = lcg(2024);
    for (let n = 0; n < 120; n++) {
      const p = randomUnit(rnd);
      const r = Math.exp(Math.log(5e-9) + rnd() * (Math.log(Math.PI) - Math.log(5e-9)));
      check(p, r, n % 6);
    }
  });

  it('poles, octahedron vertices, edge midpoints, RA 0/360; radii 0, 90 deg and around it', () => {
    const centres: V3[] = [[0, 0, 1], [0, 0, -1], [1, 0, 0], [0, -1, 0], vec(45, 0), vec(360, 10), vec(0, 10),
      vec(359.9999, 0), vec(10, 89.9), [Math.SQRT1_2, 0, Math.SQRT1_2]];
    for (const p of centres) {
      for (const r of [0, 1e-6, 0.3, Math.PI / 2 - 1e-7, Math.PI / 2, Math.PI / 2 + 1e-7, 2.5, Math.PI - 1e-6]) {
        for (const d of [0, 1, 3]) check(p, r, d);
      }
    }
  });
});

describe('covers of small circles at deep levels (the crossmatch case)', () => {
  const arbCircle = fc.record({
    ra: fc.double({ min: 0, max: 360, noNaN: true }),
    dec: fc.double({ min: -90, max: 90, noNaN: true }),
    depth: fc.integer({ min: 0, max: 24 }),
    f: fc.double({ min: 0, max: 1, noNaN: true }),
  }).map(({ ra, dec, depth, f }) => {
    // Radius 0, or log-uniform from 1 mas to about 6 trixel edges at this depth.
    const maxR = (6 * Math.PI / 2) / 2 ** depth;
    const r = f < 0.05 ? 0 : Math.exp(Math.log(5e-9) + f * (Math.log(maxR) - Math.log(5e-9)));
    return { p: vec(ra, dec), depth, r };
  });

  it('every sampled disc point is covered, the centre\'s trixel for any r >= 0, and no trixel farther than r', () => {
    const out = new RangeList();
    let seed = 1;
    fc.assert(fc.property(arbCircle, ({ p, depth, r }) => {
      htmCover(depth, p[0], p[1], p[2], r, out);
      const c = list(out);
      expect(has(c, htmIndex(depth, p[0], p[1], p[2]))).toBe(true);
      for (const q of discSamples(p, r, 60, lcg(seed++))) expect(has(c, htmIndex(depth, q[0], q[1], q[2]))).toBe(true);
      if (count(c) <= 300) {
        for (const [s, e] of c) {
          for (let id = s; id < e; id++) {
            expect(distToTriangle(p, htmTrixel(id).vertices), `trixel ${id}`).toBeLessThanOrEqual(r + 1e-11);
          }
        }
      }
    }), { numRuns: 1500 });
  });

  it('centres on or within ulps of edges and vertices, tiny radii, every depth: all disc points covered', () => {
    const out = new RangeList();
    const rnd = lcg(31);
    const radii = [0, 1e-15, 1e-13, 1e-11, 1e-9, 1e-7, 1e-5];
    const missing: string[] = [];
    for (const p of edgePoints(600, 17)) {
      const depth = Math.floor(rnd() * 25), r = radii[Math.floor(rnd() * radii.length)];
      htmCover(depth, p[0], p[1], p[2], r, out);
      const c = list(out);
      for (const q of discSamples(p, r, 30, rnd)) {
        const id = htmIndex(depth, q[0], q[1], q[2]);
        if (!has(c, id)) missing.push(`(${p}) r ${r} depth ${depth}: ${id}`);
      }
      // Radius 0 covers every trixel through the point; those are the trixels
      // of points 1e-13 rad away in every direction (inside the 1e-12 margin).
      if (r === 0) {
        for (const q of discSamples(p, 1e-13, 12, rnd).slice(1)) {
          const id = htmIndex(depth, q[0], q[1], q[2]);
          if (!has(c, id)) missing.push(`(${p}) r 0 depth ${depth}: ${id} 1e-13 away`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('a probe circle far from any edge is one range; one touching an edge is not', () => {
    const out = new RangeList();
    // A depth-12 trixel's centroid with a 2" circle.
    const [a, b, c] = htmTrixel(htmIndex(12, 0.3, 0.5, 0.8)).vertices;
    const s = [a[0] + b[0] + c[0], a[1] + b[1] + c[1], a[2] + b[2] + c[2]];
    const n = Math.hypot(s[0], s[1], s[2]);
    const r2 = (2 / 3600) * DEG;
    htmCover(12, s[0] / n, s[1] / n, s[2] / n, r2, out);
    expect(list(out)).toEqual([[htmIndex(12, 0.3, 0.5, 0.8), htmIndex(12, 0.3, 0.5, 0.8) + 1]]);
    htmCover(12, a[0], a[1], a[2], r2, out); // on a vertex
    expect(out.count()).toBeGreaterThanOrEqual(4);
  });

  it('maxRanges caps the number of ranges and keeps a superset', () => {
    const out = new RangeList(), capped = new RangeList();
    fc.assert(fc.property(arbCircle, fc.integer({ min: 1, max: 6 }), ({ p, depth, r }, cap) => {
      htmCover(depth, p[0], p[1], p[2], r, out);
      htmCover(depth, p[0], p[1], p[2], r, capped, cap);
      expect(capped.length).toBeLessThanOrEqual(cap);
      expect(capped.length).toBe(Math.min(cap, out.length));
      expect(notIn(list(out), list(capped))).toEqual([]);
    }), { numRuns: 500 });
  });
});

describe('special circles and validation', () => {
  const out = new RangeList();
  const ids = (f: (o: RangeList) => void): number[] => {
    f(out);
    return list(out).flatMap(([s, e]) => Array.from({ length: e - s }, (_, k) => s + k));
  };

  it('radius 0 on a vertex or a pole gives every trixel meeting there', () => {
    expect(ids((o) => htmCover(0, 1, 0, 0, 0, o))).toEqual([8, 11, 12, 15]);
    expect(ids((o) => htmCover(0, 0, 0, 1, 0, o))).toEqual([12, 13, 14, 15]);
    expect(ids((o) => htmCover(0, 0, 0, -1, 0, o))).toEqual([8, 9, 10, 11]);
    // Depth 2: the trixels at the north pole are the corner children of each N root at +z.
    expect(ids((o) => htmCover(2, 0, 0, 1, 0, o))).toEqual([12, 13, 14, 15].map((r) => r * 16 + 4));
    expect(ids((o) => htmInterior(5, 0, 0, 1, 0, o))).toEqual([]);
  });

  it('radius >= 180 deg is the whole sky; a hemisphere and a bit more holds the 4 northern roots', () => {
    for (const d of [0, 7, 24]) {
      htmCover(d, 0.1, 0.2, 0.3, Math.PI, out);
      expect(list(out)).toEqual([[8 * 4 ** d, 16 * 4 ** d]]);
      htmInterior(d, 0.1, 0.2, 0.3, 4, out);
      expect(list(out)).toEqual([[8 * 4 ** d, 16 * 4 ** d]]);
    }
    expect(ids((o) => htmInterior(0, 0, 0, 1, Math.PI / 2 + 1e-6, o))).toEqual([12, 13, 14, 15]);
    expect(ids((o) => htmCover(0, 0, 0, 1, Math.PI / 2 - 1e-6, o))).toEqual([12, 13, 14, 15]);
    expect(ids((o) => htmCover(0, 0, 0, 1, Math.PI / 2, o))).toEqual([8, 9, 10, 11, 12, 13, 14, 15]);
  });

  it('RA 0 and 360 give the same cover; non-unit centres are normalised', () => {
    for (const d of [3, 10, 16]) {
      const a = vec(0, 10), b = vec(360, 10);
      htmCover(d, a[0], a[1], a[2], 1e-7, out);
      const fromZero = list(out);
      htmCover(d, b[0], b[1], b[2], 1e-7, out);
      expect(list(out)).toEqual(fromZero);
      htmCover(d, 3 * a[0], 3 * a[1], 3 * a[2], 1e-7, out);
      expect(list(out)).toEqual(fromZero);
    }
  });

  it('rejects bad arguments with a RangeError naming the value', () => {
    expect(() => htmCover(25, 1, 0, 0, 0.1, out)).toThrow(/HTM depth must be an integer in \[0, 24\], got 25/);
    expect(() => htmCover(3, 1, 0, 0, -1, out)).toThrow('radiusRad must be a finite number >= 0, got -1');
    expect(() => htmCover(3, 1, 0, 0, Number.NaN, out)).toThrow('got NaN');
    expect(() => htmInterior(3, 1, 0, 0, Infinity, out)).toThrow('got Infinity');
    expect(() => htmCover(3, 0, 0, 0, 0.1, out)).toThrow(/HTM point must be a finite vector/);
    expect(() => htmCover(3, 1, 0, 0, 0.1, out, -2)).toThrow('maxRanges must be an integer >= 0, got -2');
    expect(() => htmCover(3, 1, 0, 0, 0.1, out, 1.5)).toThrow('got 1.5');
  });
});
