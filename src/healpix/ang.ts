// Positions -> pixels and pixel centres -> positions, with `number` ids
// (orders 0..24; the bigint twins are in big.ts).
//
// Boundary convention. A point exactly on a pixel boundary gets the pixel
// that HEALPix C++ (healpy 1.16) computes with the same floating-point steps:
//   theta = pi/2 - dec * (pi/180), phi = ra * (pi/180) (healpy's lonlat=True;
//   ra is not folded first: phi is reduced by fmod like HEALPix's fmodulo),
//   z = cos(theta), and sin(theta) carried when theta < 0.01 or > pi - 0.01;
//   then the NESTED formulas for NESTED ids and the RING formulas for RING ids
//   (HEALPix loc2pix), each truncating scaled coordinates toward zero.
// In effect a point on a pixel edge goes to the pixel whose edge-line
// indices (HEALPix's jp, jm) are the larger, i.e. the pixel east of the edge
// in the equatorial belt; a pole goes to the pixel of the base face whose
// longitude quarter holds ra; ra = 360 is longitude 0.
// Because the two schemes use different polar-cap formulas, healpy's NESTED
// and RING answers can name different pixels at an exact corner (point 10261
// of the reference vectors at orders >= 10); we reproduce both answers, so
// nest2ring(ang2pixNest(p)) may differ from ang2pixRing(p) at such corners.
// Points off the boundaries get healpy's pixel exactly.
//
// One deliberate difference: at a longitude within an ulp of 360 deg next to
// z = +-2/3 (a corner shared by three base pixels), 0.5 + tt +- 0.75 z can
// round up to 5 and HEALPix C++'s NESTED loc2pix then names face 4 (or 12)
// for what is the polar face 0 (or 8): a pixel 45 deg away. We take the face
// number modulo 4 there, which gives a pixel touching the point.

import {
  DEG_PER_RAD, FACE_PIXELS, HALF_PI, INV_HALF_PI, MAX_NUMBER_ORDER, NSIDE, RAD_PER_DEG, TWO_THIRDS,
  checkOrder, checkPix, checkRaDec, phiToTt,
} from './base.js';
import { nestToXyf, spread16 } from './nest.js';
import { ringCentre, ringStart, ringToParts, xyfCentre } from './ring.js';

/** [z, tt, sin(theta), haveSth] of the last position loaded. */
export const LOC = new Float64Array(4);

/** Loads (ra, dec) in degrees into LOC the way healpy does. */
export function loadRaDec(raDeg: number, decDeg: number): void {
  const theta = HALF_PI - decDeg * RAD_PER_DEG;
  LOC[0] = Math.cos(theta);
  LOC[1] = phiToTt(raDeg * RAD_PER_DEG);
  const haveSth = theta < 0.01 || theta > 3.14159 - 0.01;
  LOC[2] = haveSth ? Math.sin(theta) : 0;
  LOC[3] = haveSth ? 1 : 0;
}

/**
 * [face, ix, iy] of (z, tt, sth) with HEALPix's NESTED loc2pix. tt is the
 * longitude in units of pi/2 in [0, 4).
 */
export function locToXyf(order: number, z: number, tt: number, sth: number, haveSth: boolean, out: Int32Array): void {
  const nside = NSIDE[order];
  const za = Math.abs(z);
  if (za <= TWO_THIRDS) {
    const temp1 = nside * (0.5 + tt);
    const temp2 = nside * (z * 0.75);
    const jp = Math.floor(temp1 - temp2);
    const jm = Math.floor(temp1 + temp2);
    const ifp = Math.floor(jp / nside);
    const ifm = Math.floor(jm / nside);
    out[0] = ifp === ifm ? (ifp & 3) | 4 : ifp < ifm ? ifp & 3 : (ifm & 3) + 8;
    out[1] = jm - ifm * nside;
    out[2] = nside - (jp - ifp * nside) - 1;
    return;
  }
  const ntt = Math.min(3, Math.floor(tt));
  const tp = tt - ntt;
  const tmp = za < 0.99 || !haveSth ? nside * Math.sqrt(3 * (1 - za)) : (nside * sth) / Math.sqrt((1 + za) / 3);
  const jp = Math.min(nside - 1, Math.floor(tp * tmp));
  const jm = Math.min(nside - 1, Math.floor((1 - tp) * tmp));
  if (z >= 0) {
    out[0] = ntt;
    out[1] = nside - jm - 1;
    out[2] = nside - jp - 1;
  } else {
    out[0] = ntt + 8;
    out[1] = jp;
    out[2] = jm;
  }
}

/** [iz, ip] of (z, tt, sth) with HEALPix's RING loc2pix. */
export function locToRingParts(order: number, z: number, tt: number, sth: number, haveSth: boolean, out: Float64Array): void {
  const nside = NSIDE[order];
  const za = Math.abs(z);
  if (za <= TWO_THIRDS) {
    const nl4 = 4 * nside;
    const temp1 = nside * (0.5 + tt);
    const temp2 = nside * z * 0.75;
    const jp = Math.floor(temp1 - temp2);
    const jm = Math.floor(temp1 + temp2);
    const ir = nside + 1 + jp - jm; // 1 .. 2 nside + 1, from the ring at z = 2/3
    const kshift = 1 - (ir & 1);
    const t1 = jp + jm - nside + kshift + 1 + nl4 + nl4;
    out[0] = ir + nside - 1;
    out[1] = Math.floor(t1 / 2) % nl4;
    return;
  }
  const tp = tt - Math.floor(tt);
  const tmp = za < 0.99 || !haveSth ? nside * Math.sqrt(3 * (1 - za)) : (nside * sth) / Math.sqrt((1 + za) / 3);
  const jp = Math.floor(tp * tmp);
  const jm = Math.floor((1 - tp) * tmp);
  const ir = jp + jm + 1; // ring counted from the nearer pole
  out[0] = z > 0 ? ir : 4 * nside - ir;
  out[1] = Math.floor(tt * ir);
}

const xyf = new Int32Array(3);
const parts = new Float64Array(2);
const centre = new Float64Array(3);

/**
 * NESTED id (order <= 24) of (z, tt, sth): locToXyf and xyfToNest fused,
 * on int32 arithmetic (all scaled coordinates are below 4.5 * 2^24 < 2^31
 * and non-negative, so truncation is HEALPix's floor). Tested equal to the
 * two-step path.
 */
export function nestNumber(order: number, z: number, tt: number, sth: number, haveSth: boolean): number {
  const nside = 1 << order;
  const za = Math.abs(z);
  let face: number, ix: number, iy: number;
  if (za <= TWO_THIRDS) {
    const temp1 = nside * (0.5 + tt);
    const temp2 = nside * (z * 0.75);
    const jp = (temp1 - temp2) | 0;
    const jm = (temp1 + temp2) | 0;
    const ifp = jp >> order, ifm = jm >> order;
    face = ifp === ifm ? (ifp & 3) | 4 : ifp < ifm ? ifp & 3 : (ifm & 3) + 8;
    ix = jm & (nside - 1);
    iy = nside - (jp & (nside - 1)) - 1;
  } else {
    const ntt = tt < 3 ? tt | 0 : 3;
    const tp = tt - ntt;
    const tmp = za < 0.99 || !haveSth ? nside * Math.sqrt(3 * (1 - za)) : (nside * sth) / Math.sqrt((1 + za) / 3);
    let jp = (tp * tmp) | 0, jm = ((1 - tp) * tmp) | 0;
    if (jp >= nside) jp = nside - 1;
    if (jm >= nside) jm = nside - 1;
    if (z >= 0) { face = ntt; ix = nside - jm - 1; iy = nside - jp - 1; } else { face = ntt + 8; ix = jp; iy = jm; }
  }
  const lo = (spread16(ix) | (spread16(iy) << 1)) >>> 0;
  if (order <= 15) return face * FACE_PIXELS[order] + lo;
  const hi = spread16(ix >>> 16) | (spread16(iy >>> 16) << 1);
  return face * FACE_PIXELS[order] + hi * 4294967296 + lo;
}

function nestOfLoc(order: number): number {
  return nestNumber(order, LOC[0], LOC[1], LOC[2], LOC[3] === 1);
}

/** NESTED id of (ra, dec) in degrees. Orders 0..24; use ang2pixNestBig above. */
export function ang2pixNest(order: number, raDeg: number, decDeg: number): number {
  checkOrder(order, MAX_NUMBER_ORDER, 'ang2pixNestBig');
  checkRaDec(raDeg, decDeg);
  loadRaDec(raDeg, decDeg);
  return nestOfLoc(order);
}

/** RING id of (ra, dec) in degrees. Orders 0..24; use ang2pixRingBig above. */
export function ang2pixRing(order: number, raDeg: number, decDeg: number): number {
  checkOrder(order, MAX_NUMBER_ORDER, 'ang2pixRingBig');
  checkRaDec(raDeg, decDeg);
  loadRaDec(raDeg, decDeg);
  locToRingParts(order, LOC[0], LOC[1], LOC[2], LOC[3] === 1, parts);
  return ringStart(order, parts[0]) + parts[1];
}

/** Pixel centre in degrees, as healpy's pix2ang(lonlat=True) gives it, from a ringCentre output. */
export function centreRaDec(haveSth: boolean, c: Float64Array): { ra: number; dec: number } {
  const theta = haveSth ? Math.atan2(c[2], c[0]) : Math.acos(c[0]);
  return { ra: c[1] * DEG_PER_RAD, dec: 90 - theta * DEG_PER_RAD };
}

/** Centre (ra, dec) in degrees of a NESTED pixel. Orders 0..24; use pix2angNestBig above. */
export function pix2angNest(order: number, pix: number): { ra: number; dec: number } {
  checkOrder(order, MAX_NUMBER_ORDER, 'pix2angNestBig');
  checkPix(order, pix);
  nestToXyf(order, pix, xyf);
  return centreRaDec(xyfCentre(order, xyf[0], xyf[1], xyf[2], centre), centre);
}

/** Centre (ra, dec) in degrees of a RING pixel. Orders 0..24; use pix2angRingBig above. */
export function pix2angRing(order: number, pix: number): { ra: number; dec: number } {
  checkOrder(order, MAX_NUMBER_ORDER, 'pix2angRingBig');
  checkPix(order, pix);
  ringToParts(order, pix, parts);
  const nside = NSIDE[order];
  const iz = parts[0];
  const shifted = iz < nside || iz > 3 * nside || ((iz - nside) & 1) === 0;
  return centreRaDec(ringCentre(order, iz, 2 * parts[1] + (shifted ? 1 : 0), centre), centre);
}

/**
 * NESTED id of a unit vector, for index builds: orders 0..24, no allocation.
 * The vector is not normalised; (0, 0, +-1) are the poles. Arguments are
 * trusted apart from the order: validate positions once, upstream.
 */
export function nestIndex(order: number, x: number, y: number, z: number): number {
  if (!(order >= 0 && order <= MAX_NUMBER_ORDER) || (order | 0) !== order) checkOrder(order, MAX_NUMBER_ORDER, 'ang2pixNestBig');
  let tt = Math.atan2(y, x) * INV_HALF_PI;
  if (tt < 0) {
    tt += 4;
    if (tt === 4) tt = 0;
  }
  const haveSth = z > 0.99 || z < -0.99;
  return nestNumber(order, z, tt, haveSth ? Math.sqrt(x * x + y * y) : 0, haveSth);
}

/**
 * NESTED id of (ra, dec) in degrees for index builds: the same arithmetic as
 * ang2pixNest (so keys equal healpy's ids), without validating ra and dec.
 */
export function nestIndexRaDec(order: number, raDeg: number, decDeg: number): number {
  if (!(order >= 0 && order <= MAX_NUMBER_ORDER) || (order | 0) !== order) checkOrder(order, MAX_NUMBER_ORDER, 'ang2pixNestBig');
  const theta = HALF_PI - decDeg * RAD_PER_DEG;
  const haveSth = theta < 0.01 || theta > 3.14159 - 0.01;
  return nestNumber(order, Math.cos(theta), phiToTt(raDeg * RAD_PER_DEG), haveSth ? Math.sin(theta) : 0, haveSth);
}
