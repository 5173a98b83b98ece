// Circle -> HTM id ranges at a depth: `htmCover` (every trixel the disc
// touches, a guaranteed superset) and `htmInterior` (trixels entirely inside).
//
// General path: depth-first descent from the roots, each trixel classified
// against the disc as DISJOINT / PARTIAL / INSIDE; INSIDE contributes its
// whole subtree [id * 4^(d-k), (id + 1) * 4^(d-k)), PARTIAL is split.
// Children are visited in id order, so ranges come out sorted.
//
// Classification is conservative, with the radius widened (cover) or
// narrowed (interior) by margin(r) = 1e-12 (1 + r) rad, far above the
// float errors involved (~1e-15) and far below anything astrometric (2e-7"):
//  - INSIDE when all three vertices are within r - margin (a cap of radius
//    <= 90 deg is convex, so it then holds the whole triangle);
//  - DISJOINT when the centre is beyond one edge's great circle by more than
//    r + margin, or when the centre is outside the triangle and every edge
//    arc is farther than r + margin (distance to the arc: to its great
//    circle when the centre's foot falls on the arc, else to its ends);
//  - PARTIAL otherwise. Caps wider than 90 deg are classified through their
//    complement, the cap of radius 180 - r around the antipode.
// A trixel is therefore dropped only when it provably does not meet the
// disc, which is what the crossmatch needs for exactness.
//
// Fast path (probe circles, far smaller than a trixel): `htmDiscSeed`
// descends towards the centre while the disc stays inside one trixel; if it
// gets to the target depth the answer is that single id, otherwise the
// general descent starts from the deepest trixel holding the disc.

import type { RangeList } from '../sky/ranges.js';
import { badDepth, badVector } from './lookup.js';
import { htmDiscSeed } from './seed.js';
import { MAX_DEPTH, POW4, ROOT_VERTICES, midpoint, toChild } from './trixel.js';

const DISJOINT = 0, PARTIAL = 1, INSIDE = 2;

/** Radius tolerance (rad) that keeps every float rounding on the safe side. */
function margin(r: number): number {
  return 1e-12 * (1 + r);
}

function chord2(angle: number): number {
  if (angle >= Math.PI) return 4;
  const s = 2 * Math.sin(angle / 2);
  return s * s;
}

/**
 * Class of the triangle t[o..o+8] against the cap around unit p with
 * radius rho <= 90 deg, given c2in = chord^2(rho - margin) (-1 if that is
 * negative), c2out = chord^2(rho + margin), and for the distance h from p
 * to an edge's great circle: h > rho + margin iff sin^2 h > s2out =
 * sin^2(rho + margin) when rho + margin < 45 deg, else (s2out < 0) iff
 * cos h < cOut = cos(rho + margin) (cOut <= 0: never, rho + margin >= 90
 * deg). Sines near 90 deg (and cosines near 0) are too flat to compare.
 */
function classify(
  t: Float64Array, o: number, px: number, py: number, pz: number,
  c2in: number, c2out: number, s2out: number, cOut: number,
): number {
  let inCount = 0, near = false;
  for (let k = o; k < o + 9; k += 3) {
    const dx = t[k] - px, dy = t[k + 1] - py, dz = t[k + 2] - pz;
    const c2 = dx * dx + dy * dy + dz * dz;
    if (c2 <= c2in) inCount++;
    if (c2 <= c2out) near = true;
  }
  if (inCount === 3) return INSIDE;
  if (near) return PARTIAL;
  let centreIn = true;
  for (let k = 0; k < 9; k += 3) {
    const u = o + k, v = o + (k + 3) % 9;
    const ux = t[u], uy = t[u + 1], uz = t[u + 2];
    // n = u x (v - u) = u x v without the cancellation of short edges.
    const ex = t[v] - ux, ey = t[v + 1] - uy, ez = t[v + 2] - uz;
    const nx = uy * ez - uz * ey, ny = uz * ex - ux * ez, nz = ux * ey - uy * ex;
    const qx = px - ux, qy = py - uy, qz = pz - uz;
    // s = det(u, v, p) > 0 on the triangle's side (trixels are counter-clockwise).
    const s = qx * nx + qy * ny + qz * nz;
    const tol = 1e-14 * (Math.abs(qx) + Math.abs(qy) + Math.abs(qz)) * (Math.abs(ex) + Math.abs(ey) + Math.abs(ez));
    if (s < -tol) centreIn = false;
    const nn = nx * nx + ny * ny + nz * nz;
    const sa = Math.abs(s) - tol;
    let far = false;
    if (s2out >= 0) {
      far = sa > 0 && sa * sa > s2out * nn * (1 + 1e-12);
    } else if (cOut > 0 && sa > 0) {
      // cos h = |n x p| / |n|, good to a few ulps.
      const cx = ny * pz - nz * py, cy = nz * px - nx * pz, cz = nx * py - ny * px;
      far = Math.sqrt((cx * cx + cy * cy + cz * cz) / nn) + 2e-15 < cOut;
    }
    if (far) {
      // The whole disc is on one side of this edge's great circle.
      if (s < 0) return DISJOINT;
      continue;
    }
    // The disc reaches the great circle: does the centre's foot fall on the
    // arc, i.e. (u x p) . n >= 0 and (p x v) . n >= 0? Tolerance on the
    // generous side: a foot just off the arc is near an end anyway.
    const vx = t[v], vy = t[v + 1], vz = t[v + 2];
    const f1 = (uy * pz - uz * py) * nx + (uz * px - ux * pz) * ny + (ux * py - uy * px) * nz;
    const f2 = (py * vz - pz * vy) * nx + (pz * vx - px * vz) * ny + (px * vy - py * vx) * nz;
    const ftol = 1e-12 * Math.sqrt(nn);
    if (f1 >= -ftol && f2 >= -ftol) return PARTIAL;
  }
  return centreIn ? PARTIAL : DISJOINT;
}

// Depth-first stack: it holds at most 8 + 3 * MAX_DEPTH entries (7 + 3 per level + 4).
const CAP = 8 + 3 * MAX_DEPTH + 8;
const ST_T = new Float64Array(CAP * 9);
const ST_ID = new Float64Array(CAP);
const ST_L = new Int32Array(CAP);
const MID = new Float64Array(9);
const SEED = new Float64Array(10);

/**
 * The descent: from the seed trixel (seedId >= 0, vertices and level in
 * SEED) or from the 8 roots. `flip` classifies against the complement cap
 * (radius > 90 deg): its INSIDE is our DISJOINT and the reverse.
 */
function walk(
  depth: number, interior: boolean, seedId: number, flip: boolean,
  px: number, py: number, pz: number, c2in: number, c2out: number, s2out: number, cOut: number, out: RangeList,
): void {
  let top = 0;
  if (seedId >= 0) {
    for (let i = 0; i < 9; i++) ST_T[i] = SEED[i];
    ST_ID[0] = seedId;
    ST_L[0] = SEED[9];
    top = 1;
  } else {
    // Roots pushed 15 first so that 8 is popped first: ranges come out in id order.
    for (let root = 15; root >= 8; root--, top++) {
      for (let i = 0; i < 9; i++) ST_T[top * 9 + i] = ROOT_VERTICES[(root - 8) * 9 + i];
      ST_ID[top] = root;
      ST_L[top] = 0;
    }
  }
  // The seed holds the whole disc: it is partial, no need to classify it.
  let known = seedId >= 0;
  while (top > 0) {
    top--;
    const o = top * 9, id = ST_ID[top], lev = ST_L[top];
    let c = known ? PARTIAL : classify(ST_T, o, px, py, pz, c2in, c2out, s2out, cOut);
    known = false;
    if (flip) c = c === INSIDE ? DISJOINT : c === DISJOINT ? INSIDE : PARTIAL;
    if (c === DISJOINT) continue;
    if (c === INSIDE) {
      const span = POW4[depth - lev];
      out.push(id * span, (id + 1) * span);
      continue;
    }
    if (lev === depth) {
      if (!interior) out.push(id, id + 1);
      continue;
    }
    midpoint(ST_T, o + 3, o + 6, MID, 0);
    midpoint(ST_T, o, o + 6, MID, 3);
    midpoint(ST_T, o, o + 3, MID, 6);
    // Children 0..2 go above the parent's slot (child 0 on top, popped
    // first), child 3 into the parent's slot last, once nothing reads it.
    for (let k = 0; k < 3; k++) {
      const s = top + 3 - k;
      ST_T.copyWithin(s * 9, o, o + 9);
      toChild(ST_T, s * 9, MID, k);
      ST_ID[s] = id * 4 + k;
      ST_L[s] = lev + 1;
    }
    toChild(ST_T, o, MID, 3);
    ST_ID[top] = id * 4 + 3;
    ST_L[top] = lev + 1;
    top += 4;
  }
}

function checkCircle(depth: number, x: number, y: number, z: number, radiusRad: number): void {
  if (!(depth >= 0 && depth <= MAX_DEPTH && Math.floor(depth) === depth)) badDepth(depth);
  const pm = Math.abs(x) + Math.abs(y) + Math.abs(z);
  if (!(pm > 1e-150 && pm < 1e150)) badVector(x, y, z);
  if (typeof radiusRad !== 'number' || !(radiusRad >= 0) || radiusRad === Infinity) {
    throw new RangeError(`radiusRad must be a finite number >= 0, got ${String(radiusRad)}`);
  }
}

/** Parameters of the cap (radius rho <= 90 deg) for `classify`, in CAP_PARAMS[0..3]. */
function capParams(rho: number): void {
  const m = margin(rho), out = rho + m;
  CAP_PARAMS[0] = rho > m ? chord2(rho - m) : -1;
  CAP_PARAMS[1] = chord2(out);
  CAP_PARAMS[2] = out < Math.PI / 4 ? Math.sin(out) ** 2 : -1;
  CAP_PARAMS[3] = out < Math.PI / 2 ? Math.cos(out) : 0;
}

const CAP_PARAMS = new Float64Array(4);

/** Cover (interior = false) or interior ranges of a validated circle into `out`, sorted. */
function run(depth: number, x: number, y: number, z: number, r: number, out: RangeList, interior: boolean): void {
  const n = Math.sqrt(x * x + y * y + z * z);
  const px = x / n, py = y / n, pz = z / n;
  const P = CAP_PARAMS;
  if (r <= Math.PI / 2) {
    const m = margin(r);
    const seedId = htmDiscSeed(depth, px, py, pz, Math.sin(Math.min(r + m, Math.PI / 2)), SEED);
    if (seedId >= 0 && SEED[9] === depth) {
      // The disc lies inside one depth-d trixel: it is the cover, and no trixel is inside the disc.
      if (!interior) out.push(seedId, seedId + 1);
      return;
    }
    capParams(r);
    walk(depth, interior, seedId, false, px, py, pz, P[0], P[1], P[2], P[3], out);
    return;
  }
  // Through the complement: the cap of radius pi - r around -p.
  capParams(Math.PI - r);
  walk(depth, interior, -1, true, -px, -py, -pz, P[0], P[1], P[2], P[3], out);
}

/**
 * Sorted, merged half-open id ranges at `depth` holding every trixel that
 * meets the disc of radius `radiusRad` around the direction (x, y, z) (a unit
 * vector, or any finite non-zero one). Radius 0 gives the trixels holding
 * the point (several on an edge); radius >= pi the whole sky. maxRanges > 0
 * caps the number of ranges by filling the smallest gaps (still a superset).
 * Clears `out` first.
 */
export function htmCover(
  depth: number, x: number, y: number, z: number, radiusRad: number, out: RangeList, maxRanges = 0,
): void {
  checkCircle(depth, x, y, z, radiusRad);
  if (!Number.isInteger(maxRanges) || maxRanges < 0) {
    throw new RangeError(`maxRanges must be an integer >= 0, got ${String(maxRanges)}`);
  }
  out.clear();
  if (radiusRad >= Math.PI) {
    out.push(8 * POW4[depth], 16 * POW4[depth]);
    return;
  }
  run(depth, x, y, z, radiusRad, out, false);
  out.normalize();
  if (maxRanges > 0) out.capTo(maxRanges);
}

/**
 * Sorted, merged half-open id ranges at `depth` of the trixels entirely
 * inside the disc (conservative: a trixel within 1e-12 rad of the rim may be
 * left out). Clears `out` first.
 */
export function htmInterior(depth: number, x: number, y: number, z: number, radiusRad: number, out: RangeList): void {
  checkCircle(depth, x, y, z, radiusRad);
  out.clear();
  if (radiusRad >= Math.PI) {
    out.push(8 * POW4[depth], 16 * POW4[depth]);
    return;
  }
  run(depth, x, y, z, radiusRad, out, true);
  out.normalize();
}
