// The deepest trixel that provably holds a whole small disc: the point
// lookup's descent towards the disc centre, which stops at the first level
// where the disc may cross an edge of the child holding the centre.
//
// A disc whose centre lies inside a trixel stays inside it iff its distance
// to each edge's great circle exceeds the radius. The descent gets those
// distances nearly for free: the determinant d = p . (s_i x s_j) that picks
// the child (s the midpoint sums) is the sine of p's distance to the new
// edge's great circle times |s_i x s_j| |p|, up to the bound SUM_DET_ERR.
// A corner child inherits two edges from its parent, on (almost exactly)
// the parent's circles, already checked; the middle child's three edges are
// the three tested ones. So each level costs one |n|^2 more than a lookup.
//
// Conservative throughout: an edge counts as clear only when
// |d| - (error bound of d) > (sin(r + margin) + slack) |n| |p|. The slack
// (1e-13) absorbs the drift of inherited edges (each level's midpoint lies
// a few ulp off its parent edge's circle: < 1e-14 over 24 levels) and the
// ulps by which |s_i x s_j| may differ from |w_i x w_j| |s_i| |s_j|.

import { SUM_DET_ERR, rootOf } from './lookup.js';
import { ROOT_VERTICES } from './trixel.js';

const SLACK = 1e-13;

/**
 * For the disc centred on p (finite, non-zero; need not be unit) with
 * sin(radius + margin) = sinR, r < pi/2: returns the id of the deepest
 * trixel at level <= depth that holds the whole disc, with its vertices in
 * seed[0..8] and its level in seed[9]; -1 when the disc crosses a root edge.
 */
export function htmDiscSeed(depth: number, x: number, y: number, z: number, sinR: number, seed: Float64Array): number {
  const pm = Math.abs(x) + Math.abs(y) + Math.abs(z);
  const pn = Math.sqrt(x * x + y * y + z * z);
  // Root edges lie in the coordinate planes: the sine distances are |x|, |y|, |z| over |p|.
  const need = (sinR + SLACK) * pn * (1 + 1e-12);
  if (!(Math.abs(x) > need && Math.abs(y) > need && Math.abs(z) > need)) return -1;
  const need2 = need * need;
  const eb = SUM_DET_ERR * pm;
  let id = rootOf(x, y, z);
  const r = (id - 8) * 9;
  let ax = ROOT_VERTICES[r], ay = ROOT_VERTICES[r + 1], az = ROOT_VERTICES[r + 2];
  let bx = ROOT_VERTICES[r + 3], by = ROOT_VERTICES[r + 4], bz = ROOT_VERTICES[r + 5];
  let cx = ROOT_VERTICES[r + 6], cy = ROOT_VERTICES[r + 7], cz = ROOT_VERTICES[r + 8];
  let l = 0;
  for (; l < depth; l++) {
    // As in htmIndex: decide on the sums' determinants, normalise alongside.
    const s0x = bx + cx, s0y = by + cy, s0z = bz + cz;
    const s1x = ax + cx, s1y = ay + cy, s1z = az + cz;
    const s2x = ax + bx, s2y = ay + by, s2z = az + bz;
    // Normals of the inner edges w2-w1 (children 0, 3), w0-w2 (1, 3), w1-w0 (2, 3), scaled by |s_i| |s_j|.
    const n0x = s2y * s1z - s2z * s1y, n0y = s2z * s1x - s2x * s1z, n0z = s2x * s1y - s2y * s1x;
    const n1x = s0y * s2z - s0z * s2y, n1y = s0z * s2x - s0x * s2z, n1z = s0x * s2y - s0y * s2x;
    const n2x = s1y * s0z - s1z * s0y, n2y = s1z * s0x - s1x * s0z, n2z = s1x * s0y - s1y * s0x;
    const d0 = x * n0x + y * n0y + z * n0z;
    const d1 = x * n1x + y * n1y + z * n1z;
    const d2 = x * n2x + y * n2y + z * n2z;
    let n = Math.sqrt(s0x * s0x + s0y * s0y + s0z * s0z);
    const w0x = s0x / n, w0y = s0y / n, w0z = s0z / n;
    n = Math.sqrt(s1x * s1x + s1y * s1y + s1z * s1z);
    const w1x = s1x / n, w1y = s1y / n, w1z = s1z / n;
    n = Math.sqrt(s2x * s2x + s2y * s2y + s2z * s2z);
    const w2x = s2x / n, w2y = s2y / n, w2z = s2z / n;
    // The disc must be clear of the chosen child's new edge(s): (|d| - eb)^2
    // > need^2 |n|^2. A centre too close to an edge to tell its side stops
    // the descent too: that edge is the centre's child's whichever it is.
    const c0 = d0 - eb, c1 = d1 - eb, c2 = d2 - eb; // clear margins on the positive side
    const m0 = -d0 - eb, m1 = -d1 - eb, m2 = -d2 - eb; // ... and on the negative side
    const nn0 = n0x * n0x + n0y * n0y + n0z * n0z;
    if (c0 > 0) {
      if (!(c0 * c0 > need2 * nn0)) break;
      bx = w2x; by = w2y; bz = w2z;
      cx = w1x; cy = w1y; cz = w1z;
      id *= 4;
      continue;
    }
    if (!(m0 > 0)) break;
    const nn1 = n1x * n1x + n1y * n1y + n1z * n1z;
    if (c1 > 0) {
      if (!(c1 * c1 > need2 * nn1)) break;
      ax = bx; ay = by; az = bz;
      bx = w0x; by = w0y; bz = w0z;
      cx = w2x; cy = w2y; cz = w2z;
      id = id * 4 + 1;
      continue;
    }
    if (!(m1 > 0)) break;
    const nn2 = n2x * n2x + n2y * n2y + n2z * n2z;
    if (c2 > 0) {
      if (!(c2 * c2 > need2 * nn2)) break;
      ax = cx; ay = cy; az = cz;
      bx = w1x; by = w1y; bz = w1z;
      cx = w0x; cy = w0y; cz = w0z;
      id = id * 4 + 2;
      continue;
    }
    if (!(m2 > 0)) break;
    // Middle child: its three edges are the three inner ones.
    if (!(m0 * m0 > need2 * nn0 && m1 * m1 > need2 * nn1 && m2 * m2 > need2 * nn2)) break;
    ax = w0x; ay = w0y; az = w0z;
    bx = w1x; by = w1y; bz = w1z;
    cx = w2x; cy = w2y; cz = w2z;
    id = id * 4 + 3;
  }
  seed[0] = ax; seed[1] = ay; seed[2] = az;
  seed[3] = bx; seed[4] = by; seed[5] = bz;
  seed[6] = cx; seed[7] = cy; seed[8] = cz;
  seed[9] = l;
  return id;
}
