// Point -> trixel id. The root is chosen by coordinate signs; then at each
// level the point goes to the corner child whose far edge it lies beyond on
// the corner's side (exact orientation tests), else to the middle child.
//
// Tie-break convention (points exactly on an edge, as far as their float64
// coordinates tell): roots as lsst/sphgeom (z >= 0 is north; on y = 0 the
// root is N3/S0 for x >= 0 and N1/S2 for x < 0), and below the roots a point
// on the edge between a corner child and the middle child goes to the corner
// child (0, then 1, then 2). The trixel returned always contains the point in
// its closed boundary.

import { orient } from './predicates.js';
import { descend, midpoints, rootVertices } from './trixel.js';

const tri = new Float64Array(9);
const tmp = new Float64Array(9);

/** Root id (8..15) of a unit vector. */
export function rootOf(x: number, y: number, z: number): number {
  if (z < 0) {
    if (y > 0) return x > 0 ? 8 : 9;
    if (y === 0) return x >= 0 ? 8 : 10;
    return x < 0 ? 10 : 11;
  }
  if (y > 0) return x > 0 ? 15 : 14;
  if (y === 0) return x >= 0 ? 15 : 13;
  return x < 0 ? 13 : 12;
}

/**
 * Which child (0..3) of triangle t (a, b, c) holds p, given the midpoints m
 * (w0, w1, w2). Every trixel is counter-clockwise (det(a, b, c) > 0), so p is
 * in corner child 0 = (a, w2, w1) iff det(w2, w1, p) >= 0, and so on.
 */
function childFor(m: Float64Array, px: number, py: number, pz: number): number {
  if (orient(m[6], m[7], m[8], m[3], m[4], m[5], px, py, pz) >= 0) return 0;
  if (orient(m[0], m[1], m[2], m[6], m[7], m[8], px, py, pz) >= 0) return 1;
  if (orient(m[3], m[4], m[5], m[0], m[1], m[2], px, py, pz) >= 0) return 2;
  return 3;
}

/**
 * Trixel id at `depth` of the unit vector (x, y, z); leaves the final
 * triangle's vertices in `lastTriangle` for callers that need them.
 */
export function htmIndex(depth: number, x: number, y: number, z: number): number {
  let id = rootOf(x, y, z);
  rootVertices(id, tri);
  for (let l = 0; l < depth; l++) {
    midpoints(tri, tmp);
    const k = childFor(tmp, x, y, z);
    id = id * 4 + k;
    descend(tri, tmp, k);
  }
  return id;
}

/** The vertices of the triangle found by the last htmIndex call. */
export const lastTriangle: Float64Array = tri;

export function htmIndexRaDec(depth: number, raDeg: number, decDeg: number): number {
  const a = raDeg * (Math.PI / 180), d = decDeg * (Math.PI / 180);
  const c = Math.cos(d);
  return htmIndex(depth, c * Math.cos(a), c * Math.sin(a), Math.sin(d));
}
