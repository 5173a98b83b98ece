// The cell mask never drops a position within the radius of one of its
// points (it is only a filter before the exact test), at the poles and across
// RA 0/360 too, and it does drop most of the sky for small radii.

import { describe, expect, it } from 'vitest';
import { CellMask } from '../../src/catalog/cell-mask.js';
import { seededRandom } from '../../src/sky/random.js';

const RAD = Math.PI / 180;

function sep(ra1: number, dec1: number, ra2: number, dec2: number): number {
  const a = Math.sin(((dec2 - dec1) * RAD) / 2) ** 2 + Math.cos(dec1 * RAD) * Math.cos(dec2 * RAD) * Math.sin(((ra2 - ra1) * RAD) / 2) ** 2;
  return (2 * Math.asin(Math.min(1, Math.sqrt(a)))) / RAD;
}

describe('CellMask', () => {
  it.each([0.5, 2, 60, 1800])('keeps every position within %f" of a point: random, near the poles, across RA 0/360', (radiusArcsec) => {
    const r = seededRandom(radiusArcsec * 10);
    const centres: Array<[number, number]> = [[0, 0], [359.9999, 10], [0.00001, -10], [123, 89.99], [45, -89.999], [200, 90], [10, -90]];
    for (let i = 0; i < 300; i++) centres.push([r() * 360, (Math.asin(2 * r() - 1) * 180) / Math.PI]);
    const mask = CellMask.around(Float64Array.from(centres, (c) => c[0]), Float64Array.from(centres, (c) => c[1]), radiusArcsec)!;
    expect(mask).not.toBeNull();
    const rDeg = radiusArcsec / 3600;
    let checked = 0;
    for (const [ra0, dec0] of centres) {
      for (let k = 0; k < 200; k++) {
        // A point at a random distance up to r (and at exactly r) in a random direction.
        const d = (k === 0 ? 1 : r()) * rDeg, pa = r() * 2 * Math.PI;
        const dec = Math.asin(Math.sin(dec0 * RAD) * Math.cos(d * RAD) + Math.cos(dec0 * RAD) * Math.sin(d * RAD) * Math.cos(pa)) / RAD;
        const dra = Math.atan2(Math.sin(pa) * Math.sin(d * RAD) * Math.cos(dec0 * RAD), Math.cos(d * RAD) - Math.sin(dec0 * RAD) * Math.sin(dec * RAD)) / RAD;
        const ra = (((ra0 + dra) % 360) + 360) % 360;
        if (sep(ra0, dec0, ra, dec) > rDeg) continue;
        checked++;
        expect(mask.has(ra, dec), `${ra}, ${dec} is ${sep(ra0, dec0, ra, dec) * 3600}" from ${ra0}, ${dec0}`).toBe(true);
      }
    }
    expect(checked).toBeGreaterThan(50_000);
  });

  it('drops most of the sky around 10^5 points at 2", and gives up when a radius would mark most of it', () => {
    const r = seededRandom(5);
    const n = 100_000;
    const ra = Float64Array.from({ length: n }, () => r() * 360), dec = Float64Array.from({ length: n }, () => (Math.asin(2 * r() - 1) * 180) / Math.PI);
    const mask = CellMask.around(ra, dec, 2)!;
    let kept = 0;
    for (let i = 0; i < 100_000; i++) if (mask.has(r() * 360, (Math.asin(2 * r() - 1) * 180) / Math.PI)) kept++;
    expect(kept / 100_000).toBeLessThan(0.05);
    expect(CellMask.around(ra, dec, 3600)).toBeNull();
  });
});
