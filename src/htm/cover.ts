// Circle -> HTM id ranges at a depth. Trixels are classified against the
// circle (disjoint / partial / inside) from the top down; a trixel is dropped
// only when its distance from the centre provably exceeds the radius, so the
// cover holds every trixel that a point of the disc falls in. Inside trixels
// contribute their whole subtree as one range.
//
// Small circles, the crossmatch engine's case, skip most of the walk: the
// point lookup tracks the distance from the centre to the great circles of
// the current trixel's edges, and the walk starts at the deepest trixel that
// holds the whole disc (one range when that is already the target depth).

import { RangeList } from '../sky/ranges.js';
import { MAX_DEPTH, descend, midpoints, rootVertices } from './trixel.js';
import { orient } from './predicates.js';
import { htmIndex, lastTriangle, rootOf } from './lookup.js';

const DISJOINT = 0, PARTIAL = 1, INSIDE = 2;

function chord2(angle: number): number {
  if (angle >= Math.PI) return 4;
  if (angle <= 0) return 0;
  const s = 2 * Math.sin(angle / 2);
  return s * s;
}

/**
 * Sine of the distance from p to the great circle through u and v, computed
 * without the cancellation of u x v for short edges.
 */
function sinDistToCircle(
  ux: number, uy: number, uz: number, vx: number, vy: number, vz: number, px: number, py: number, pz: number,
): number {
  const ex = vx - ux, ey = vy - uy, ez = vz - uz;
  const nx = uy * ez - uz * ey, ny = uz * ex - ux * ez, nz = ux * ey - uy * ex;
  const d = (px - ux) * nx + (py - uy) * ny + (pz - uz) * nz;
  return Math.abs(d) / Math.sqrt(nx * nx + ny * ny + nz * nz);
}

/** Squared chord between p and the arc u -> v (the minor arc), a lower bound-safe value. */
function chord2ToArc(
  ux: number, uy: number, uz: number, vx: number, vy: number, vz: number, px: number, py: number, pz: number,
): number {
  const ex = vx - ux, ey = vy - uy, ez = vz - uz;
  const nx = uy * ez - uz * ey, ny = uz * ex - ux * ez, nz = ux * ey - uy * ex;
  // Is the foot of p on the great circle between u and v? (u x p) . n >= 0 and (p x v) . n >= 0.
  const s1 = (uy * pz - uz * py) * nx + (uz * px - ux * pz) * ny + (ux * py - uy * px) * nz;
  const s2 = (py * vz - pz * vy) * nx + (pz * vx - px * vz) * ny + (px * vy - py * vx) * nz;
  if (s1 >= 0 && s2 >= 0) {
    // p's foot on the great circle lies on the arc: the distance is p's distance to the circle.
    const nn = Math.sqrt(nx * nx + ny * ny + nz * nz);
    return chord2(Math.asin(Math.min(1, Math.abs((px - ux) * nx + (py - uy) * ny + (pz - uz) * nz) / nn)));
  }
  const ax = px - ux, ay = py - uy, az = pz - uz;
  const bx = px - vx, by = py - vy, bz = pz - vz;
  return Math.min(ax * ax + ay * ay + az * az, bx * bx + by * by + bz * bz);
}

/** Classifies triangle t against the cap (p, r <= pi/2) given as squared chords. */
function classifySmall(t: Float64Array, px: number, py: number, pz: number, c2in: number, c2out: number): number {
  let inCount = 0;
  for (let k = 0; k < 3; k++) {
    const dx = t[3 * k] - px, dy = t[3 * k + 1] - py, dz = t[3 * k + 2] - pz;
    if (dx * dx + dy * dy + dz * dz <= c2in) inCount++;
  }
  if (inCount === 3) return INSIDE;
  if (inCount > 0) return PARTIAL;
  // Centre inside the triangle (every trixel is counter-clockwise)?
  if (orient(t[0], t[1], t[2], t[3], t[4], t[5], px, py, pz) >= 0
    && orient(t[3], t[4], t[5], t[6], t[7], t[8], px, py, pz) >= 0
    && orient(t[6], t[7], t[8], t[0], t[1], t[2], px, py, pz) >= 0) return PARTIAL;
  for (let k = 0; k < 3; k++) {
    const j = (k + 1) % 3;
    if (chord2ToArc(t[3 * k], t[3 * k + 1], t[3 * k + 2], t[3 * j], t[3 * j + 1], t[3 * j + 2], px, py, pz) <= c2out) return PARTIAL;
  }
  return DISJOINT;
}

/** Margin (rad) that keeps float rounding on the safe side of every decision. */
function margin(r: number): number {
  return 1e-12 + r * 1e-12;
}

function classify(t: Float64Array, px: number, py: number, pz: number, r: number): number {
  if (r <= Math.PI / 2) {
    return classifySmall(t, px, py, pz, chord2(r - margin(r)), chord2(r + margin(r)));
  }
  // A cap wider than a hemisphere is the complement of the cap (-p, pi - r).
  const rc = Math.PI - r;
  const inside = classifySmall(t, -px, -py, -pz, chord2(rc - margin(rc)), chord2(rc + margin(rc)));
  if (inside === INSIDE) return DISJOINT;
  if (inside === DISJOINT) return INSIDE;
  return PARTIAL;
}

class Stack {
  id = new Float64Array(64);
  lev = new Int8Array(64);
  tri = new Float64Array(64 * 9);
  top = 0;
  push(id: number, lev: number, t: Float64Array): void {
    if (this.top === this.id.length) {
      const n = this.top * 2;
      const a = new Float64Array(n); a.set(this.id); this.id = a;
      const b = new Int8Array(n); b.set(this.lev); this.lev = b;
      const c = new Float64Array(n * 9); c.set(this.tri); this.tri = c;
    }
    this.id[this.top] = id;
    this.lev[this.top] = lev;
    this.tri.set(t, this.top * 9);
    this.top++;
  }
}

const stack = new Stack();
const cur = new Float64Array(9);
const child = new Float64Array(9);
const mids = new Float64Array(9);
const startTri = new Float64Array(9);

/**
 * The deepest trixel (level <= depth) that holds the whole disc, its id and
 * vertices in startTri; -1 when the disc crosses a root edge.
 */
function seedTrixel(depth: number, px: number, py: number, pz: number, r: number): { id: number; level: number } {
  let id = rootOf(px, py, pz);
  rootVertices(id, cur);
  const need = Math.sin(Math.min(Math.PI / 2, r + margin(r)));
  if (r >= Math.PI / 2) return { id: -1, level: -1 };
  // Distances (as sines) from p to the great circles of the current edges ab, bc, ca.
  let dab = sinDistToCircle(cur[0], cur[1], cur[2], cur[3], cur[4], cur[5], px, py, pz);
  let dbc = sinDistToCircle(cur[3], cur[4], cur[5], cur[6], cur[7], cur[8], px, py, pz);
  let dca = sinDistToCircle(cur[6], cur[7], cur[8], cur[0], cur[1], cur[2], px, py, pz);
  if (Math.min(dab, dbc, dca) <= need) return { id: -1, level: -1 };
  startTri.set(cur);
  let seedId = id, seedLevel = 0;
  for (let l = 0; l < depth; l++) {
    midpoints(cur, mids);
    let k: number;
    const m = mids;
    if (orient(m[6], m[7], m[8], m[3], m[4], m[5], px, py, pz) >= 0) k = 0;
    else if (orient(m[0], m[1], m[2], m[6], m[7], m[8], px, py, pz) >= 0) k = 1;
    else if (orient(m[3], m[4], m[5], m[0], m[1], m[2], px, py, pz) >= 0) k = 2;
    else k = 3;
    // New edge distances; corner children keep two of the parent's great circles.
    if (k === 0) { // (a, w2, w1): ab, w2w1, ca
      dbc = sinDistToCircle(m[3], m[4], m[5], m[6], m[7], m[8], px, py, pz);
    } else if (k === 1) { // (b, w0, w2): bc, w0w2, ab
      const n = sinDistToCircle(m[6], m[7], m[8], m[0], m[1], m[2], px, py, pz);
      dca = dab; dab = dbc; dbc = n;
    } else if (k === 2) { // (c, w1, w0): ca, w1w0, bc
      const n = sinDistToCircle(m[0], m[1], m[2], m[3], m[4], m[5], px, py, pz);
      dab = dca; dca = dbc; dbc = n;
    } else { // (w0, w1, w2)
      dab = sinDistToCircle(m[0], m[1], m[2], m[3], m[4], m[5], px, py, pz);
      dbc = sinDistToCircle(m[3], m[4], m[5], m[6], m[7], m[8], px, py, pz);
      dca = sinDistToCircle(m[6], m[7], m[8], m[0], m[1], m[2], px, py, pz);
    }
    descend(cur, m, k);
    id = id * 4 + k;
    if (Math.min(dab, dbc, dca) <= need) break;
    seedId = id;
    seedLevel = l + 1;
    startTri.set(cur);
  }
  return { id: seedId, level: seedLevel };
}

/**
 * The common case first: the trixel of the centre at `depth`, and whether the
 * disc stays inside it (distance to its three edge circles above r).
 */
function insideOwnTrixel(depth: number, px: number, py: number, pz: number, r: number): number {
  const id = htmIndex(depth, px, py, pz);
  const t = lastTriangle;
  const need = Math.sin(r + margin(r));
  if (sinDistToCircle(t[0], t[1], t[2], t[3], t[4], t[5], px, py, pz) > need
    && sinDistToCircle(t[3], t[4], t[5], t[6], t[7], t[8], px, py, pz) > need
    && sinDistToCircle(t[6], t[7], t[8], t[0], t[1], t[2], px, py, pz) > need) return id;
  return -1;
}

function walk(depth: number, px: number, py: number, pz: number, r: number, out: RangeList, interior: boolean): void {
  const s = stack;
  s.top = 0;
  if (!interior && r < Math.PI / 4) {
    const own = insideOwnTrixel(depth, px, py, pz, r);
    if (own >= 0) {
      out.push(own, own + 1);
      return;
    }
  }
  const seed = r < Math.PI / 2 ? seedTrixel(depth, px, py, pz, r) : { id: -1, level: -1 };
  if (seed.id >= 0) {
    if (seed.level === depth && !interior) {
      out.push(seed.id, seed.id + 1);
      return;
    }
    s.push(seed.id, seed.level, startTri);
  } else {
    for (let root = 15; root >= 8; root--) {
      rootVertices(root, cur);
      s.push(root, 0, cur);
    }
  }
  while (s.top > 0) {
    s.top--;
    const id = s.id[s.top], lev = s.lev[s.top];
    for (let i = 0; i < 9; i++) cur[i] = s.tri[s.top * 9 + i];
    const c = classify(cur, px, py, pz, r);
    if (c === DISJOINT) continue;
    const span = 4 ** (depth - lev);
    if (c === INSIDE) {
      out.push(id * span, (id + 1) * span);
      continue;
    }
    if (lev === depth) {
      if (!interior) out.push(id, id + 1);
      continue;
    }
    midpoints(cur, mids);
    for (let k = 3; k >= 0; k--) {
      child.set(cur);
      descend(child, mids, k);
      s.push(id * 4 + k, lev + 1, child);
    }
  }
}

function checkArgs(depth: number, radiusRad: number): void {
  if (!Number.isInteger(depth) || depth < 0 || depth > MAX_DEPTH) {
    throw new RangeError(`HTM depth must be an integer in [0, ${MAX_DEPTH}], got ${String(depth)}`);
  }
  if (!(radiusRad >= 0) || !Number.isFinite(radiusRad)) throw new RangeError(`radius must be a finite number of radians >= 0, got ${String(radiusRad)}`);
}

/**
 * Half-open id ranges at `depth` of every trixel the circle (unit vector
 * centre, radius in radians) touches, sorted and merged. maxRanges > 0 caps
 * the count by filling the smallest gaps (still a superset).
 */
export function htmCover(depth: number, x: number, y: number, z: number, radiusRad: number, out: RangeList, maxRanges = 0): void {
  checkArgs(depth, radiusRad);
  out.clear();
  if (radiusRad >= Math.PI) {
    out.push(8 * 4 ** depth, 16 * 4 ** depth);
    return;
  }
  walk(depth, x, y, z, radiusRad, out, false);
  out.normalize();
  if (maxRanges > 0) out.capTo(maxRanges);
}

/** Half-open id ranges of the trixels entirely inside the circle. */
export function htmInterior(depth: number, x: number, y: number, z: number, radiusRad: number, out: RangeList): void {
  checkArgs(depth, radiusRad);
  out.clear();
  if (radiusRad >= Math.PI) {
    out.push(8 * 4 ** depth, 16 * 4 ** depth);
    return;
  }
  walk(depth, x, y, z, radiusRad, out, true);
  out.normalize();
}
