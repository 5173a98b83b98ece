// Positions <-> (face, ix, iy) <-> NESTED / RING ids. Face coordinates are
// numbers at every order (ix, iy < 2^29); ids are numbers up to order 24 and
// bigints above. The arithmetic follows HEALPix C++ (loc2pix, pix2loc,
// xyf2ring, ring2xyf) so boundary points fall where healpy puts them.

import { HALF_PI, JPLL, JRLL, TWO_THIRDS } from './base.js';
import { compress16, interleaveHi, interleaveLo } from './bits.js';

const TWO32 = 4294967296;
// 2/pi correctly rounded, as HEALPix C++ writes it (2 / Math.PI may differ by an ulp).
const INV_HALF_PI = 0.6366197723675813430755350534900574;

/** Face and coordinates of a pixel, filled by the loc/id decoders. */
export interface Xyf {
  face: number;
  ix: number;
  iy: number;
}

export function newXyf(): Xyf {
  return { face: 0, ix: 0, iy: 0 };
}

function fmod4(v: number): number {
  let t = v % 4;
  if (t < 0) t += 4;
  return t >= 4 ? 0 : t;
}

/**
 * (face, ix, iy) of the point with z = cos(theta), longitude phi (rad); sth =
 * sin(theta), used near the poles where 1 - z loses digits (HEALPix's have_sth).
 */
export function locToXyf(order: number, z: number, phi: number, sth: number, haveSth: boolean, out: Xyf): void {
  const nside = 2 ** order;
  const za = Math.abs(z);
  const tt = fmod4(phi * INV_HALF_PI);
  if (za <= TWO_THIRDS) {
    const temp1 = nside * (0.5 + tt);
    const temp2 = nside * (z * 0.75);
    const jp = Math.floor(temp1 - temp2);
    const jm = Math.floor(temp1 + temp2);
    const ifp = Math.floor(jp / nside);
    const ifm = Math.floor(jm / nside);
    out.face = ifp === ifm ? ifp | 4 : ifp < ifm ? ifp : ifm + 8;
    out.ix = jm - ifm * nside;
    out.iy = nside - (jp - ifp * nside) - 1;
  } else {
    const ntt = Math.min(3, Math.floor(tt));
    const tp = tt - ntt;
    const tmp = za < 0.99 || !haveSth ? nside * Math.sqrt(3 * (1 - za)) : (nside * sth) / Math.sqrt((1 + za) / 3);
    let jp = Math.floor(tp * tmp);
    let jm = Math.floor((1 - tp) * tmp);
    if (jp > nside - 1) jp = nside - 1;
    if (jm > nside - 1) jm = nside - 1;
    if (z >= 0) {
      out.face = ntt;
      out.ix = nside - jm - 1;
      out.iy = nside - jp - 1;
    } else {
      out.face = ntt + 8;
      out.ix = jp;
      out.iy = jm;
    }
  }
}

/** z, phi of (ra, dec) in degrees the way healpy computes them (theta = pi/2 - radians(dec)). */
export function raDecToLoc(raDeg: number, decDeg: number, out: Float64Array): void {
  const theta = Math.PI / 2 - decDeg * (Math.PI / 180);
  const phi = raDeg * (Math.PI / 180);
  out[0] = Math.cos(theta);
  out[1] = phi;
  out[2] = Math.sin(theta);
  out[3] = theta < 0.01 || theta > 3.14159 - 0.01 ? 1 : 0;
}

/** z, phi, sin(theta) of a unit vector. */
export function vecToLoc(x: number, y: number, z: number, out: Float64Array): void {
  out[0] = z;
  out[1] = x === 0 && y === 0 ? 0 : Math.atan2(y, x);
  const s = Math.sqrt(x * x + y * y);
  out[2] = s;
  out[3] = Math.abs(z) > 0.99 ? 1 : 0;
}

const FACE_STRIDE = Float64Array.from({ length: 30 }, (_, o) => 4 ** o);

/** NESTED id as a number (order <= 24). */
export function xyfToNest(order: number, face: number, ix: number, iy: number): number {
  const lo = interleaveLo(ix, iy);
  return face * FACE_STRIDE[order] + (ix >= 65536 || iy >= 65536 ? interleaveHi(ix, iy) * TWO32 : 0) + lo;
}

export function xyfToNestBig(order: number, face: number, ix: number, iy: number): bigint {
  return (BigInt(face) << BigInt(2 * order)) + (BigInt(interleaveHi(ix, iy)) << 32n) + BigInt(interleaveLo(ix, iy));
}

export function nestToXyf(order: number, pix: number, out: Xyf): void {
  const npface = 4 ** order;
  const face = Math.floor(pix / npface);
  const ipf = pix - face * npface;
  const lo = ipf >>> 0;
  const hi = Math.floor(ipf / TWO32);
  out.face = face;
  out.ix = compress16(lo) + compress16(hi) * 65536;
  out.iy = compress16(lo >>> 1) + compress16(hi >>> 1) * 65536;
}

export function nestToXyfBig(order: number, pix: bigint, out: Xyf): void {
  const shift = BigInt(2 * order);
  const face = Number(pix >> shift);
  const ipf = pix - (BigInt(face) << shift);
  const lo = Number(ipf & 0xffffffffn);
  const hi = Number(ipf >> 32n);
  out.face = face;
  out.ix = compress16(lo) + compress16(hi) * 65536;
  out.iy = compress16(lo >>> 1) + compress16(hi >>> 1) * 65536;
}

/**
 * Ring geometry of (face, ix, iy): ring number jr (1..4 nside - 1), pixels in
 * that ring's half-quadrant nr, and the longitude index; shared by pix2loc and
 * xyf2ring.
 */
function ringOf(order: number, face: number, ix: number, iy: number): { jr: number; nr: number; kshift: number } {
  const nside = 2 ** order;
  const jr = JRLL[face] * nside - ix - iy - 1;
  if (jr < nside) return { jr, nr: jr, kshift: 0 };
  if (jr > 3 * nside) return { jr, nr: 4 * nside - jr, kshift: 0 };
  return { jr, nr: nside, kshift: (jr - nside) & 1 };
}

/** Centre of a pixel: fills out with [z, phi, sin(theta)]. */
export function xyfToLoc(order: number, face: number, ix: number, iy: number, out: Float64Array): void {
  const nside = 2 ** order;
  const npix = 12 * nside * nside;
  const fact2 = 4 / npix;
  const fact1 = 2 * nside * fact2;
  const jr = JRLL[face] * nside - ix - iy - 1;
  let nr: number;
  let z: number;
  let sth: number;
  if (jr < nside) {
    nr = jr;
    const tmp = nr * nr * fact2;
    z = 1 - tmp;
    sth = z > 0.99 ? Math.sqrt(tmp * (2 - tmp)) : Math.sqrt((1 - z) * (1 + z));
  } else if (jr > 3 * nside) {
    nr = 4 * nside - jr;
    const tmp = nr * nr * fact2;
    z = tmp - 1;
    sth = z < -0.99 ? Math.sqrt(tmp * (2 - tmp)) : Math.sqrt((1 - z) * (1 + z));
  } else {
    nr = nside;
    z = (2 * nside - jr) * fact1;
    sth = Math.sqrt((1 - z) * (1 + z));
  }
  let tmp = JPLL[face] * nr + ix - iy;
  if (tmp < 0) tmp += 8 * nr;
  const phi = nr === nside ? 0.75 * HALF_PI * tmp * fact1 : (0.5 * HALF_PI * tmp) / nr;
  out[0] = z;
  out[1] = phi;
  out[2] = sth;
}

/** RING id (order <= 24). */
export function xyfToRing(order: number, face: number, ix: number, iy: number): number {
  const nside = 2 ** order;
  const nl4 = 4 * nside;
  const npix = 12 * nside * nside;
  const ncap = 2 * nside * (nside - 1);
  const { jr, nr, kshift } = ringOf(order, face, ix, iy);
  let nBefore: number;
  if (jr < nside) nBefore = 2 * nr * (nr - 1);
  else if (jr > 3 * nside) nBefore = npix - 2 * (nr + 1) * nr;
  else nBefore = ncap + (jr - nside) * nl4;
  let jp = Math.trunc((JPLL[face] * nr + ix - iy + 1 + kshift) / 2);
  if (jp > nl4) jp -= nl4;
  else if (jp < 1) jp += nl4;
  return nBefore + jp - 1;
}

export function xyfToRingBig(order: number, face: number, ix: number, iy: number): bigint {
  const nside = 2 ** order;
  const nl4 = 4 * nside;
  const { jr, nr, kshift } = ringOf(order, face, ix, iy);
  const N = BigInt(nside);
  let nBefore: bigint;
  if (jr < nside) nBefore = 2n * BigInt(nr) * BigInt(nr - 1);
  else if (jr > 3 * nside) nBefore = 12n * N * N - 2n * BigInt(nr + 1) * BigInt(nr);
  else nBefore = 2n * N * (N - 1n) + BigInt(jr - nside) * BigInt(nl4);
  let jp = Math.trunc((JPLL[face] * nr + ix - iy + 1 + kshift) / 2);
  if (jp > nl4) jp -= nl4;
  else if (jp < 1) jp += nl4;
  return nBefore + BigInt(jp - 1);
}

function isqrt(v: number): number {
  let s = Math.floor(Math.sqrt(v));
  while (s * s > v) s--;
  while ((s + 1) * (s + 1) <= v) s++;
  return s;
}

function isqrtBig(v: bigint): bigint {
  if (v < 2n ** 52n) return BigInt(isqrt(Number(v)));
  let x = BigInt(Math.floor(Math.sqrt(Number(v))));
  for (;;) {
    const y = (x + v / x) >> 1n;
    if (y >= x) break;
    x = y;
  }
  while (x * x > v) x--;
  while ((x + 1n) * (x + 1n) <= v) x++;
  return x;
}

/** (face, ix, iy) from ring-scheme coordinates: ring iring (1-based from north), pixel iphi (1-based) in it. */
function ringCoordsToXyf(order: number, iring: number, iphi: number, kshift: number, nr: number, out: Xyf): void {
  const nside = 2 ** order;
  let face: number;
  if (iring < nside) {
    face = Math.floor((iphi - 1) / nr);
  } else if (iring > 3 * nside) {
    face = 8 + Math.floor((iphi - 1) / nr);
  } else {
    const ire = iring - nside + 1;
    const irm = 2 * nside + 2 - ire;
    const ifm = Math.floor((iphi - Math.floor(ire / 2) + nside - 1) / nside);
    const ifp = Math.floor((iphi - Math.floor(irm / 2) + nside - 1) / nside);
    face = ifp === ifm ? ifp | 4 : ifp < ifm ? ifp : ifm + 8;
  }
  const irt = iring - JRLL[face] * nside + 1;
  let ipt = 2 * iphi - JPLL[face] * nr - kshift - 1;
  if (ipt >= 2 * nside) ipt -= 8 * nside;
  out.face = face;
  out.ix = Math.floor((ipt - irt) / 2);
  out.iy = Math.floor((-ipt - irt) / 2);
}

export function ringToXyf(order: number, pix: number, out: Xyf): void {
  const nside = 2 ** order;
  const npix = 12 * nside * nside;
  const ncap = 2 * nside * (nside - 1);
  if (pix < ncap) {
    const iring = (1 + isqrt(1 + 2 * pix)) >>> 1;
    const iphi = pix + 1 - 2 * iring * (iring - 1);
    ringCoordsToXyf(order, iring, iphi, 0, iring, out);
  } else if (pix < npix - ncap) {
    const ip = pix - ncap;
    const tmp = Math.floor(ip / (4 * nside));
    const iring = tmp + nside;
    const iphi = ip - tmp * 4 * nside + 1;
    ringCoordsToXyf(order, iring, iphi, (iring + nside) & 1, nside, out);
  } else {
    const ip = npix - pix;
    const ir = (1 + isqrt(2 * ip - 1)) >>> 1;
    const iphi = 4 * ir + 1 - (ip - 2 * ir * (ir - 1));
    ringCoordsToXyf(order, 4 * nside - ir, iphi, 0, ir, out);
  }
}

export function ringToXyfBig(order: number, pix: bigint, out: Xyf): void {
  const nside = 2 ** order;
  const N = BigInt(nside);
  const npix = 12n * N * N;
  const ncap = 2n * N * (N - 1n);
  if (pix < ncap) {
    const iring = (1n + isqrtBig(1n + 2n * pix)) >> 1n;
    const iphi = pix + 1n - 2n * iring * (iring - 1n);
    ringCoordsToXyf(order, Number(iring), Number(iphi), 0, Number(iring), out);
  } else if (pix < npix - ncap) {
    const ip = pix - ncap;
    const tmp = ip / (4n * N);
    const iring = Number(tmp) + nside;
    const iphi = Number(ip - tmp * 4n * N) + 1;
    ringCoordsToXyf(order, iring, iphi, (iring + nside) & 1, nside, out);
  } else {
    const ip = npix - pix;
    const ir = (1n + isqrtBig(2n * ip - 1n)) >> 1n;
    const iphi = Number(4n * ir + 1n - (ip - 2n * ir * (ir - 1n)));
    ringCoordsToXyf(order, 4 * nside - Number(ir), iphi, 0, Number(ir), out);
  }
}
