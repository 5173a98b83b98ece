// Pixels of a disc, as sorted NESTED id ranges. The walk is HEALPix C++'s
// query_disc for the NEST scheme: descend from coarse pixels, dropping those
// whose centre is farther than r + (their max radius), keeping whole subtrees
// of those certainly inside, and, in inclusive mode, testing the pixels on
// the rim at `fact` times the resolution. Distances are compared as squared
// chords of unit vectors, which stay accurate for tiny discs.
//   inclusive (fact 4): every pixel that overlaps the disc, plus possibly a
//       few that only come within max_pixrad(order + 2) of it: healpy's set.
//   centre: the pixels whose centre lies in the disc.
// Pixels are (face, ix, iy, order) during the walk, so no id ever exceeds 2^53;
// ranges are emitted as numbers (order <= 24) or bigints.

import { RangeList } from '../sky/ranges.js';
import { maxPixrad } from './base.js';
import { interleaveHi, interleaveLo } from './bits.js';
import { neighbourXyfs } from './neighbours.js';
import { locToXyf, newXyf, vecToLoc, xyfToLoc } from './xyf.js';

const TWO32 = 4294967296;

function chord2(angle: number): number {
  if (angle >= Math.PI) return 4;
  if (angle <= 0) return 0;
  const s = 2 * Math.sin(angle / 2);
  return s * s;
}

/** Where the walk writes ranges of pixel ids at the target order. */
export interface RangeSink {
  /** Pixel (face, ix, iy) at level o <= order: its whole subtree at the target order. */
  subtree(face: number, ix: number, iy: number, o: number): void;
}

class Walk {
  face = new Int8Array(256);
  ix = new Float64Array(256);
  iy = new Float64Array(256);
  lev = new Int8Array(256);
  top = 0;
  readonly loc = new Float64Array(4);

  push(f: number, x: number, y: number, o: number): void {
    if (this.top === this.face.length) {
      const n = this.top * 2;
      const f2 = new Int8Array(n); f2.set(this.face); this.face = f2;
      const x2 = new Float64Array(n); x2.set(this.ix); this.ix = x2;
      const y2 = new Float64Array(n); y2.set(this.iy); this.iy = y2;
      const l2 = new Int8Array(n); l2.set(this.lev); this.lev = l2;
    }
    this.face[this.top] = f;
    this.ix[this.top] = x;
    this.iy[this.top] = y;
    this.lev[this.top] = o;
    this.top++;
  }
}

const walk = new Walk();
const start = newXyf();
const nbFaces = new Int8Array(8);
const nbX = new Float64Array(8);
const nbY = new Float64Array(8);
const loc = new Float64Array(4);

/**
 * Walks the disc (unit vector c, radius in radians) at `order`; inclusive
 * mode oversamples the rim by `fact` (a power of 2), centre mode keeps pixels
 * whose centre is inside. `startOrder` (<= order) seeds the walk with the
 * pixel holding the centre and its neighbours at that order instead of the
 * 12 base pixels: the caller guarantees the disc cannot reach farther.
 */
export function walkDisc(
  order: number, cx: number, cy: number, cz: number, radius: number,
  inclusive: boolean, fact: number, sink: RangeSink, startOrder = -1,
): void {
  const oplus = inclusive ? Math.round(Math.log2(fact)) : 0;
  const omax = order + oplus;
  const c2r = chord2(radius);
  const cPlus = new Float64Array(omax + 1);
  const cMinus = new Float64Array(omax + 1);
  for (let o = 0; o <= omax; o++) {
    // A hair of slack on the pixel radius keeps the walk a superset despite rounding.
    const dr = maxPixrad(o) * (1 + 1e-10) + 1e-14;
    cPlus[o] = chord2(radius + dr);
    cMinus[o] = radius - dr <= 0 ? -1 : chord2(radius - dr);
  }
  const w = walk;
  w.top = 0;
  if (startOrder < 0) {
    for (let f = 11; f >= 0; f--) w.push(f, 0, 0, 0);
  } else {
    vecToLoc(cx, cy, cz, loc);
    locToXyf(startOrder, loc[0], loc[1], loc[2], loc[3] === 1, start);
    neighbourXyfs(startOrder, start, nbFaces, nbX, nbY);
    for (let i = 7; i >= 0; i--) if (nbFaces[i] >= 0) w.push(nbFaces[i], nbX[i], nbY[i], startOrder);
    w.push(start.face, start.ix, start.iy, startOrder);
  }
  let stackTop = 0;
  const L = w.loc;
  while (w.top > 0) {
    w.top--;
    const f = w.face[w.top], x = w.ix[w.top], y = w.iy[w.top], o = w.lev[w.top];
    xyfToLoc(o, f, x, y, L);
    const px = L[2] * Math.cos(L[1]), py = L[2] * Math.sin(L[1]), pz = L[0];
    const dx = px - cx, dy = py - cy, dz = pz - cz;
    const d2 = dx * dx + dy * dy + dz * dz;
    if (d2 >= cPlus[o]) continue; // zone 0: cannot touch the disc
    const zone = d2 > c2r ? 1 : d2 > cMinus[o] ? 2 : 3;
    if (o < order) {
      if (zone >= 3) sink.subtree(f, x, y, o);
      else for (let k = 3; k >= 0; k--) w.push(f, 2 * x + (k & 1), 2 * y + (k >> 1), o + 1);
    } else if (o > order) {
      if (zone >= 2 || o >= omax) {
        const s = 2 ** (o - order);
        sink.subtree(f, Math.floor(x / s), Math.floor(y / s), order);
        w.top = stackTop; // this pixel is in: drop its other sub-pixels
      } else {
        for (let k = 3; k >= 0; k--) w.push(f, 2 * x + (k & 1), 2 * y + (k >> 1), o + 1);
      }
    } else if (zone >= 2) {
      sink.subtree(f, x, y, o);
    } else if (inclusive) {
      if (order < omax) {
        stackTop = w.top;
        for (let k = 3; k >= 0; k--) w.push(f, 2 * x + (k & 1), 2 * y + (k >> 1), o + 1);
      } else {
        sink.subtree(f, x, y, o);
      }
    }
  }
}

/** Collects subtrees as half-open NESTED id ranges (order <= 24). */
export class NumberRanges implements RangeSink {
  constructor(public order: number, public out: RangeList) {}
  subtree(face: number, ix: number, iy: number, o: number): void {
    const pix = nestNumber(o, face, ix, iy);
    const span = 4 ** (this.order - o);
    this.out.push(pix * span, (pix + 1) * span);
  }
}

function nestNumber(o: number, face: number, ix: number, iy: number): number {
  return face * 4 ** o + interleaveHi(ix, iy) * TWO32 + interleaveLo(ix, iy);
}

/** Collects subtrees as half-open NESTED bigint ranges (any order). */
export class BigRanges implements RangeSink {
  readonly ranges: Array<[bigint, bigint]> = [];
  constructor(public order: number) {}
  subtree(face: number, ix: number, iy: number, o: number): void {
    const lo = interleaveLo(ix, iy);
    const hi = interleaveHi(ix, iy);
    const pix = (BigInt(face) << BigInt(2 * o)) + (BigInt(hi) << 32n) + BigInt(lo);
    const shift = BigInt(2 * (this.order - o));
    const r: [bigint, bigint] = [pix << shift, (pix + 1n) << shift];
    const last = this.ranges[this.ranges.length - 1];
    if (last && last[1] === r[0]) last[1] = r[1];
    else this.ranges.push(r);
  }
  normalized(): Array<[bigint, bigint]> {
    const rs = this.ranges.slice().sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const out: Array<[bigint, bigint]> = [];
    for (const r of rs) {
      const last = out[out.length - 1];
      if (last && r[0] <= last[1]) { if (r[1] > last[1]) last[1] = r[1]; } else out.push([r[0], r[1]]);
    }
    return out;
  }
}

/**
 * Seed order for the engine's cover: the largest order <= `order` whose
 * pixels are at least four times wider than the radius, so that every pixel
 * the disc overlaps is the seed pixel or one of its neighbours (pixel widths
 * stay above a third of sqrt(area) everywhere on the HEALPix sphere). -1
 * means: start from the 12 base pixels.
 */
export function seedOrder(order: number, radius: number): number {
  for (let o = order; o >= 1; o--) {
    const side = Math.sqrt((4 * Math.PI) / (12 * 4 ** o));
    if (radius * 4 < side) return o;
  }
  return -1;
}
