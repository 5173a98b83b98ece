// Test helpers: seeded skies and brute-force answers computed with the same
// exact predicate as the engine (squared chord of float64 unit vectors).

import { normalizeRa } from '../../src/sky/angles.js';
import { chord2FromArcsec, radecToXyz } from '../../src/sky/vector.js';

/** Mulberry32: small, seeded, good enough for test skies. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Sky {
  ra: Float64Array;
  dec: Float64Array;
}

/** n points uniform on the sphere. */
export function randomSky(n: number, seed: number): Sky {
  const r = rng(seed);
  const ra = new Float64Array(n), dec = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ra[i] = r() * 360;
    dec[i] = (Math.asin(2 * r() - 1) * 180) / Math.PI;
  }
  return { ra, dec };
}

function xyz(s: Sky): { x: Float64Array; y: Float64Array; z: Float64Array } {
  const n = s.ra.length;
  const ra = s.ra.map(normalizeRa);
  const x = new Float64Array(n), y = new Float64Array(n), z = new Float64Array(n);
  radecToXyz(ra, s.dec, x, y, z);
  return { x, y, z };
}

export function bruteCone(cat: Sky, ra: number, dec: number, radiusArcsec: number): number[] {
  const c = xyz(cat);
  const q = xyz({ ra: Float64Array.of(ra), dec: Float64Array.of(dec) });
  const c2 = chord2FromArcsec(radiusArcsec);
  const out: number[] = [];
  for (let i = 0; i < cat.ra.length; i++) {
    const dx = c.x[i] - q.x[0], dy = c.y[i] - q.y[0], dz = c.z[i] - q.z[0];
    if (dx * dx + dy * dy + dz * dz <= c2) out.push(i);
  }
  return out;
}

/** All pairs (probe, row) within the radius, sorted by probe then row. */
export function brutePairs(
  cat: Sky, probes: Sky, radiusArcsec: number | Float64Array, excludeSelf = false,
): Array<[number, number, number]> {
  const c = xyz(cat);
  const p = xyz(probes);
  const out: Array<[number, number, number]> = [];
  for (let j = 0; j < probes.ra.length; j++) {
    const c2 = chord2FromArcsec(typeof radiusArcsec === 'number' ? radiusArcsec : radiusArcsec[j]);
    for (let i = 0; i < cat.ra.length; i++) {
      if (excludeSelf && i === j) continue;
      const dx = c.x[i] - p.x[j], dy = c.y[i] - p.y[j], dz = c.z[i] - p.z[j];
      const d2 = dx * dx + dy * dy + dz * dz;
      if (d2 <= c2) out.push([j, i, d2]);
    }
  }
  return out;
}

export const byNumber = (a: number, b: number): number => a - b;

/** Edge-case positions: poles, RA 0/360, equator, duplicates. */
export function edgeSky(): Sky {
  const pts: Array<[number, number]> = [
    [0, 90], [123.4, 90], [0, -90], [270, -90],
    [0, 0], [359.9999999, 0], [1e-9, 0], [359.99999, 10], [0.00001, 10],
    [180, 89.9999], [0, 89.9999], [90, -89.9999999], [45, 45], [45, 45], [45, 45],
    [360 - 1e-13, -30], [1e-13, -30], [0, 89.99], [180, 89.99], [359.5, -0.5], [0.5, 0.5],
  ];
  return {
    ra: Float64Array.from(pts, (p) => p[0]),
    dec: Float64Array.from(pts, (p) => p[1]),
  };
}
