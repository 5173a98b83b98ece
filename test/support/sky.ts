// Test helpers: seeded skies and brute-force answers computed with the same
// exact predicate as the engine (squared chord of float64 unit vectors).

import { normalizeRa } from '../../src/sky/angles.js';
import { chord2FromArcsec, radecToXyz } from '../../src/sky/vector.js';
import { uniformSky, type RaDec } from '../../src/sky/random.js';

export { seededRandom as rng } from '../../src/sky/random.js';
export type Sky = RaDec;

/** n points uniform on the sphere. */
export const randomSky = uniformSky;

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

const DEG = Math.PI / 180;

/** Points in a disc: the centre, random interior points and points on the rim at (1 - 1e-9) r. */
export function samplesInDisc(ra: number, dec: number, rDeg: number, n: number, seed: number): Array<[number, number]> {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const a = ra * DEG, d = dec * DEG;
  const c = [Math.cos(d) * Math.cos(a), Math.cos(d) * Math.sin(a), Math.sin(d)];
  // Orthonormal basis around c.
  const ref = Math.abs(c[2]) < 0.9 ? [0, 0, 1] : [1, 0, 0];
  let u = [ref[1] * c[2] - ref[2] * c[1], ref[2] * c[0] - ref[0] * c[2], ref[0] * c[1] - ref[1] * c[0]];
  const nu = Math.hypot(u[0], u[1], u[2]);
  u = u.map((v) => v / nu);
  const w = [c[1] * u[2] - c[2] * u[1], c[2] * u[0] - c[0] * u[2], c[0] * u[1] - c[1] * u[0]];
  const out: Array<[number, number]> = [[ra, dec]];
  for (let i = 0; i < n; i++) {
    const rim = i % 3 === 0;
    const t = Math.min(Math.PI, rDeg * DEG) * (rim ? 1 - 1e-9 : Math.sqrt(rnd()));
    const phi = 2 * Math.PI * rnd();
    const p = [0, 1, 2].map((k) => c[k] * Math.cos(t) + (u[k] * Math.cos(phi) + w[k] * Math.sin(phi)) * Math.sin(t));
    let pra = Math.atan2(p[1], p[0]) / DEG;
    if (pra < 0) pra += 360;
    out.push([pra, Math.atan2(p[2], Math.hypot(p[0], p[1])) / DEG]);
  }
  return out;
}

