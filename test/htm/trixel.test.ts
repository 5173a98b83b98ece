// Trixel ids, names, depths and geometry.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  htmDepth, htmDescendants, htmIdFromName, htmIndex, htmName, htmParent, htmTrixel, trixelVerticesInto,
} from '../../src/htm/index.js';
import { type V3, children, detSign, mid } from './reference.js';

/** A valid id at a given depth: root 8..15 then `depth` base-4 digits. */
const arbId = fc.integer({ min: 0, max: 24 }).chain((d) =>
  fc.tuple(fc.constant(d), fc.integer({ min: 8, max: 15 }), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: d, maxLength: d })))
  .map(([d, root, digits]) => ({ d, id: digits.reduce((id, k) => id * 4 + k, root) }));

describe('names and depths', () => {
  it('names the roots and known trixels', () => {
    expect([8, 9, 10, 11, 12, 13, 14, 15].map(htmName)).toEqual(['S0', 'S1', 'S2', 'S3', 'N0', 'N1', 'N2', 'N3']);
    expect(htmIdFromName('N0123')).toBe(((12 * 4 + 1) * 4 + 2) * 4 + 3);
    expect(htmName(((12 * 4 + 1) * 4 + 2) * 4 + 3)).toBe('N0123');
    expect(htmIdFromName('S3')).toBe(11);
    expect(htmName(8 * 4 ** 24)).toBe(`S0${'0'.repeat(24)}`);
    expect(htmName(16 * 4 ** 24 - 1)).toBe(`N3${'3'.repeat(24)}`);
  });

  it('round-trips id -> name -> id and gives the depth, at every depth', () => {
    fc.assert(fc.property(arbId, ({ d, id }) => {
      const name = htmName(id);
      expect(name.length).toBe(d + 2);
      expect(htmIdFromName(name)).toBe(id);
      expect(htmDepth(id)).toBe(d);
      expect(id).toBeGreaterThanOrEqual(8 * 4 ** d);
      expect(id).toBeLessThan(16 * 4 ** d);
      expect(htmTrixel(id)).toMatchObject({ id, depth: d, name });
    }), { numRuns: 500 });
  });

  it('rejects invalid ids and names with a RangeError naming them', () => {
    for (const bad of [0, 7, 16, 31, 16 * 4 ** 10 + 5, 16 * 4 ** 24, 2 ** 53, 12.5, -12, Number.NaN, Infinity]) {
      expect(() => htmDepth(bad), String(bad)).toThrow(RangeError);
      expect(() => htmName(bad), String(bad)).toThrow(`got ${bad}`);
      expect(() => htmTrixel(bad)).toThrow(RangeError);
    }
    expect(() => htmDepth(16)).toThrow('HTM id must be an integer in [8 * 4^d, 16 * 4^d) for a depth d in [0, 24], got 16');
    for (const bad of ['', 'N', 'X01', 'N4', 'n0', 'S0 ', 'S012a', `N0${'1'.repeat(25)}`]) {
      expect(() => htmIdFromName(bad), bad).toThrow(`got '${bad}'`);
    }
  });

  it('parents and descendants', () => {
    expect(htmParent(htmIdFromName('N0123'))).toBe(htmIdFromName('N012'));
    expect(() => htmParent(12)).toThrow(RangeError);
    expect(htmDescendants(12, 0)).toEqual([12, 13]);
    expect(htmDescendants(htmIdFromName('S21'), 3)).toEqual([htmIdFromName('S2100'), htmIdFromName('S2133') + 1]);
    expect(() => htmDescendants(htmIdFromName('S21'), 0)).toThrow(RangeError);
  });
});

describe('trixel geometry', () => {
  it('roots are the octahedron faces of the definition', () => {
    const X: V3 = [1, 0, 0], Y: V3 = [0, 1, 0], Z: V3 = [0, 0, 1];
    const mX: V3 = [-1, 0, 0], mY: V3 = [0, -1, 0], mZ: V3 = [0, 0, -1];
    const want: Record<string, V3[]> = {
      S0: [X, mZ, Y], S1: [Y, mZ, mX], S2: [mX, mZ, mY], S3: [mY, mZ, X],
      N0: [X, Z, mY], N1: [mY, Z, mX], N2: [mX, Z, Y], N3: [Y, Z, X],
    };
    for (const [name, verts] of Object.entries(want)) expect(htmTrixel(htmIdFromName(name)).vertices).toEqual(verts);
  });

  it('children are (a, w2, w1), (b, w0, w2), (c, w1, w0), (w0, w1, w2) with w the normalised midpoints', () => {
    fc.assert(fc.property(arbId.filter(({ d }) => d < 24), ({ id }) => {
      const [a, b, c] = htmTrixel(id).vertices;
      const w0 = mid(b, c), w1 = mid(a, c), w2 = mid(a, b);
      const want = [[a, w2, w1], [b, w0, w2], [c, w1, w0], [w0, w1, w2]];
      for (let k = 0; k < 4; k++) expect(htmTrixel(4 * id + k).vertices).toEqual(want[k]);
      expect(children([a, b, c])).toEqual(want);
    }), { numRuns: 300 });
  });

  it('every trixel is counter-clockwise seen from outside and holds its own centroid', () => {
    fc.assert(fc.property(arbId, ({ d, id }) => {
      const [a, b, c] = htmTrixel(id).vertices;
      expect(detSign(a, b, c)).toBe(1);
      const s = [a[0] + b[0] + c[0], a[1] + b[1] + c[1], a[2] + b[2] + c[2]];
      expect(htmIndex(d, s[0], s[1], s[2])).toBe(id);
    }), { numRuns: 500 });
  });

  it('trixelVerticesInto writes at an offset without allocating a Trixel', () => {
    const out = new Float64Array(12);
    const id = htmIdFromName('N3201');
    trixelVerticesInto(id, out, 3);
    expect(Array.from(out.subarray(3))).toEqual(htmTrixel(id).vertices.flat());
  });
});
