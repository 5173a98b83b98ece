// The NESTED disc walk: HEALPix C++'s query_disc for the NEST scheme, started
// from a few seed pixels instead of the 12 base pixels when that provably
// loses nothing.
//
// HEALPix's descent (kept decision for decision): a pixel at level o whose
// centre lies at distance d from the disc centre is
//   zone 0 if d >= r + dr(o) (dr = max_pixrad: it cannot touch the disc),
//   zone 1 if d > r, zone 2 if d <= r (centre inside), zone 3 if d < r - dr(o);
// above the target order zone 3 emits the whole subtree and zones 1-2 descend;
// at the target order zone >= 2 emits the pixel and, in inclusive mode, zone 1
// looks at the sub-pixels down to omax = order + log2(fact) and emits the
// pixel if one of them is zone >= 2, or zone 1 at omax. The inclusive set
// therefore holds every pixel that contains a point of the disc (a sub-pixel
// containing that point is within r + dr of the centre), and few more.
// Distances are compared as squared chords (accurate for tiny discs, unlike
// HEALPix's cosines), with a rounding margin (base.ts: 1e-13 relative +
// 4e-15 rad) on the side that keeps pixels, so rounding never drops one.
//
// Seeding. Inside one base face, the face coordinates (u, v) in [0, 1] move
// by at most 1.5 per radian along the sphere (max |grad| is 1.02 in the
// equatorial belt and 1.49 in the polar caps). So if the square of half-side
// delta = 1.5 r (+ rounding slack) around the centre's (u, v) stays inside
// the face, every point of the disc lies in that face and in the pixels the
// square touches. At the deepest level os <= order where the square spans at
// most 2 x 2 pixels, those pixels are the seeds, walked as HEALPix would
// (their ancestors that do not contain the centre are tested for zone 0
// first, as HEALPix's descent would have). The result is HEALPix's set
// restricted to the seeds' subtrees: a subset of healpy's set that still
// holds every pixel containing a point of the disc. When the square is one
// pixel at the target order, that pixel is the whole cover (the fast path of
// arcsecond discs). Discs whose square leaves the face start from the 12 base
// pixels, exactly as HEALPix does.

import {
  FACE_PIXELS, JRLL, MAX_ORDER, MAX_PIXRAD, NSIDE, TWO_THIRDS, chord2, chord2Outer, phiToTt, roundingMargin,
} from './base.js';
import { nestLess, xyfToNest, xyfToNestBig } from './nest.js';
import { centreDist2, xyfT } from './ring.js';
import type { RangeList } from '../sky/ranges.js';

/** Lipschitz bound of the face coordinates (units of a face side per radian), see above. */
const FACE_LIPSCHITZ = 1.5;
/** Rounding slack on face coordinates (units of a face side). */
const FACE_SLACK = 1e-13;

/** Subtrees emitted by the last walk, in increasing NESTED order: pixel (face, ix, iy) at level lev. */
class Subtrees {
  face = new Int8Array(64);
  ix = new Int32Array(64);
  iy = new Int32Array(64);
  lev = new Int8Array(64);
  n = 0;

  push(f: number, x: number, y: number, o: number): void {
    if (this.n === this.face.length) {
      const m = this.n * 2;
      const f2 = new Int8Array(m); f2.set(this.face); this.face = f2;
      const x2 = new Int32Array(m); x2.set(this.ix); this.ix = x2;
      const y2 = new Int32Array(m); y2.set(this.iy); this.iy = y2;
      const l2 = new Int8Array(m); l2.set(this.lev); this.lev = l2;
    }
    const i = this.n++;
    this.face[i] = f;
    this.ix[i] = x;
    this.iy[i] = y;
    this.lev[i] = o;
  }
}

export const found = new Subtrees();

// State of the current walk: disc centre (z, sin theta, phi), radius, mode.
let cz = 0, cs = 0, cphi = 0, radius = 0, c2r = 0;
let target = 0, omax = 0, inclusive = true;
const cPlus = new Float64Array(MAX_ORDER + 1);
const cMinus = new Float64Array(MAX_ORDER + 1);
// Thresholds are computed lazily per level: a small disc touches 3 or 4 levels.
const levelGen = new Float64Array(MAX_ORDER + 1);
let gen = 0;

const STACK = 12 + 4 * (MAX_ORDER + 1);
const sFace = new Int8Array(STACK);
const sX = new Int32Array(STACK);
const sY = new Int32Array(STACK);
const sLev = new Int8Array(STACK);

function ensureLevel(o: number): void {
  if (levelGen[o] === gen) return;
  levelGen[o] = gen;
  const dr = MAX_PIXRAD[o];
  const margin = roundingMargin(radius + dr);
  cPlus[o] = chord2Outer(radius + dr + margin);
  cMinus[o] = radius - dr - margin > 0 ? chord2(radius - dr - margin) : -1;
}

/** Squared chord from the disc centre to the centre of pixel (face, ix, iy) at level o (lower bound if > limit). */
function dist2(face: number, ix: number, iy: number, o: number, limit: number): number {
  const nside = NSIDE[o];
  const iz = JRLL[face] * nside - ix - iy - 1;
  return centreDist2(o, iz, xyfT(nside, face, ix, iy, iz), cz, cs, cphi, limit);
}

/** HEALPix's descent from one seed pixel. */
function descend(face: number, ix: number, iy: number, o0: number): void {
  let top = 0, stacktop = 0;
  sFace[0] = face; sX[0] = ix; sY[0] = iy; sLev[0] = o0;
  top = 1;
  while (top > 0) {
    top--;
    const f = sFace[top], x = sX[top], y = sY[top], o = sLev[top];
    ensureLevel(o);
    const d2 = dist2(f, x, y, o, cPlus[o]);
    if (d2 >= cPlus[o]) continue;
    const zone = d2 > c2r ? 1 : d2 < cMinus[o] ? 3 : 2;
    let children = false;
    if (o < target) {
      if (zone === 3) found.push(f, x, y, o);
      else children = true;
    } else if (o > target) {
      if (zone >= 2 || o >= omax) {
        const s = o - target;
        found.push(f, x >> s, y >> s, target);
        top = stacktop; // this pixel is in: drop its remaining sub-pixels
      } else {
        children = true;
      }
    } else if (zone >= 2) {
      found.push(f, x, y, o);
    } else if (inclusive) {
      if (target < omax) {
        stacktop = top;
        children = true;
      } else {
        found.push(f, x, y, o);
      }
    }
    if (children) {
      // Reverse order, so the smallest id is walked (and emitted) first.
      for (let k = 3; k >= 0; k--) {
        sFace[top] = f; sX[top] = 2 * x + (k & 1); sY[top] = 2 * y + (k >> 1); sLev[top] = o + 1;
        top++;
      }
    }
  }
}

/** Whether an ancestor of (face, x, y) at level o that does not hold the disc centre is zone 0. */
function ancestorOutside(face: number, x: number, y: number, o: number, px: number, py: number): boolean {
  for (let k = 1; k <= o; k++) {
    const ax = x >> k, ay = y >> k;
    if (ax === px >> k && ay === py >> k) return false;
    ensureLevel(o - k);
    if (dist2(face, ax, ay, o - k, cPlus[o - k]) >= cPlus[o - k]) return true;
  }
  return false;
}

/** The seeds of the last seedBox: [face, level os, x0, x1, y0, y1, px, py] (px, py: the centre's pixel). */
export const BOX = new Int32Array(8);

/**
 * Seeds of a disc (centre z, s0 = sin theta, longitude tt in units of pi/2
 * in [0, 4); radius r): returns the seed level os <= order and fills BOX
 * with the 1 to 4 seed pixels at that level, or returns -1 when the disc may
 * leave its centre's face (start from the 12 base pixels).
 */
export function seedBox(order: number, z: number, s0: number, tt: number, r: number): number {
  // Continuous face coordinates (u, v) in [0, 1] of the centre (HEALPix's loc2pix before the floors).
  const za = Math.abs(z);
  let face: number, u: number, v: number;
  if (za <= TWO_THIRDS) {
    const a = 0.5 + tt - 0.75 * z, b = 0.5 + tt + 0.75 * z;
    const ifp = Math.floor(a), ifm = Math.floor(b);
    face = ifp === ifm ? (ifp & 3) | 4 : ifp < ifm ? ifp & 3 : (ifm & 3) + 8;
    u = b - ifm;
    v = 1 - (a - ifp);
  } else {
    const ntt = tt < 3 ? Math.floor(tt) : 3;
    const tp = tt - ntt;
    const g = za < 0.99 ? Math.sqrt(3 * (1 - za)) : s0 / Math.sqrt((1 + za) / 3);
    if (z >= 0) { face = ntt; u = 1 - (1 - tp) * g; v = 1 - tp * g; } else { face = ntt + 8; u = tp * g; v = (1 - tp) * g; }
  }
  const delta = FACE_LIPSCHITZ * r + FACE_SLACK;
  if (!(u - delta > 0 && u + delta < 1 && v - delta > 0 && v + delta < 1)) return -1;
  let os = order;
  while (os > 0 && 2 * delta * NSIDE[os] >= 1) os--;
  const n = NSIDE[os];
  const U = u * n, V = v * n, D = delta * n;
  const x0 = Math.max(0, Math.ceil(U - D) - 1), x1 = Math.min(n - 1, Math.floor(U + D));
  const y0 = Math.max(0, Math.ceil(V - D) - 1), y1 = Math.min(n - 1, Math.floor(V + D));
  BOX[0] = face; BOX[1] = os;
  BOX[2] = x0; BOX[3] = x1; BOX[4] = y0; BOX[5] = y1;
  BOX[6] = Math.min(x1, Math.max(x0, Math.floor(U)));
  BOX[7] = Math.min(y1, Math.max(y0, Math.floor(V)));
  return os;
}

const candX = new Int32Array(4);
const candY = new Int32Array(4);

/**
 * Walks the disc of radius r (radians, 0 <= r < pi) around the unit vector
 * with z, s0 = sqrt(x^2 + y^2) and longitude phi (radians), at `order`;
 * results in `found`. Inclusive mode descends to omaxOrder >= order
 * (HEALPix's order + log2(fact)); centre mode keeps the pixels whose centre
 * is in the disc.
 */
export function walkDisc(order: number, z: number, s0: number, phi: number, r: number, incl: boolean, omaxOrder: number): void {
  found.n = 0;
  cz = z; cs = s0; cphi = phi;
  radius = r;
  c2r = chord2(r);
  target = order;
  inclusive = incl;
  omax = incl ? omaxOrder : order;
  gen++;
  const os = seedBox(order, z, s0, phiToTt(phi), r);
  if (os < 0) {
    for (let f = 0; f < 12; f++) descend(f, 0, 0, 0);
    return;
  }
  const face = BOX[0], x0 = BOX[2], x1 = BOX[3], y0 = BOX[4], y1 = BOX[5], px = BOX[6], py = BOX[7];
  // Up to 2 x 2 seeds, sorted in NESTED order (insertion sort).
  let m = 0;
  for (let sy = y0; sy <= y1; sy++) {
    for (let sx = x0; sx <= x1; sx++) {
      let j = m++;
      while (j > 0 && nestLess(sx, sy, candX[j - 1], candY[j - 1])) {
        candX[j] = candX[j - 1]; candY[j] = candY[j - 1];
        j--;
      }
      candX[j] = sx; candY[j] = sy;
    }
  }
  for (let i = 0; i < m; i++) {
    const sx = candX[i], sy = candY[i];
    if (sx === px && sy === py) {
      // The centre's own pixel: in any inclusive cover.
      if (incl && os === order) found.push(face, sx, sy, order);
      else descend(face, sx, sy, os);
    } else if (!ancestorOutside(face, sx, sy, os, px, py)) {
      descend(face, sx, sy, os);
    }
  }
}

/** Appends the last walk's pixels as half-open NESTED id ranges at `order` (<= 24). */
export function foundToRanges(order: number, out: RangeList): void {
  const { face, ix, iy, lev } = found;
  for (let i = 0; i < found.n; i++) {
    const o = lev[i];
    const span = FACE_PIXELS[order - o];
    const pix = xyfToNest(o, face[i], ix[i], iy[i]);
    out.push(pix * span, (pix + 1) * span);
  }
}

/** The last walk's pixels as merged half-open bigint NESTED ranges at `order`. */
export function foundToBigRanges(order: number): Array<[bigint, bigint]> {
  const out: Array<[bigint, bigint]> = [];
  const { face, ix, iy, lev } = found;
  for (let i = 0; i < found.n; i++) {
    const o = lev[i];
    const shift = BigInt(2 * (order - o));
    const pix = xyfToNestBig(o, face[i], ix[i], iy[i]);
    const a = pix << shift, b = (pix + 1n) << shift;
    const last = out.length > 0 ? out[out.length - 1] : undefined;
    if (last !== undefined && last[1] >= a) {
      if (b > last[1]) last[1] = b;
    } else {
      out.push([a, b]);
    }
  }
  return out;
}
