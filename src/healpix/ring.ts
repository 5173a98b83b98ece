// RING geometry: rings iz = 1 .. 4 nside - 1 from north to south, pixel ip =
// 0 .. 4 nq - 1 eastwards from longitude 0 in each (nq = iz in the north cap,
// nside in the equatorial belt, 4 nside - iz in the south cap). A RING id is
// the ring's start id plus ip. Conversions to and from (face, ix, iy) and the
// pixel centres follow HEALPix C++ (xyf2ring, ring2xyf, pix2loc).

import { FACE_PIXELS, FACT1, FACT2, HALF_PI, JPLL, JRLL, NSIDE } from './base.js';

/** Pixels per quarter of ring iz (4 nq pixels in the ring). */
export function ringQuarter(nside: number, iz: number): number {
  return iz < nside ? iz : iz > 3 * nside ? 4 * nside - iz : nside;
}

/** Whether the centres of ring iz sit half a pixel east of the multiples of 2 pi / (4 nq). */
export function ringShifted(nside: number, iz: number): boolean {
  return iz < nside || iz > 3 * nside || ((iz - nside) & 1) === 0;
}

/** First RING id of ring iz (order <= 24). */
export function ringStart(order: number, iz: number): number {
  const nside = NSIDE[order];
  if (iz < nside) return 2 * iz * (iz - 1);
  if (iz <= 3 * nside) return 2 * nside * (nside - 1) + (iz - nside) * 4 * nside;
  const nq = 4 * nside - iz;
  return 12 * FACE_PIXELS[order] - 2 * nq * (nq + 1);
}

export function ringStartBig(order: number, iz: number): bigint {
  const nside = NSIDE[order];
  const N = BigInt(nside);
  if (iz < nside) return 2n * BigInt(iz) * BigInt(iz - 1);
  if (iz <= 3 * nside) return 2n * N * (N - 1n) + BigInt(iz - nside) * 4n * N;
  const nq = BigInt(4 * nside - iz);
  return 12n * N * N - 2n * nq * (nq + 1n);
}

/** Writes [iz, ip] of pixel (face, ix, iy) into out (HEALPix xyf2ring). */
export function xyfToRingParts(order: number, face: number, ix: number, iy: number, out: Float64Array): void {
  const nside = NSIDE[order];
  const iz = JRLL[face] * nside - ix - iy - 1;
  const nq = ringQuarter(nside, iz);
  const kshift = ringShifted(nside, iz) ? 0 : 1;
  let jp = Math.trunc((JPLL[face] * nq + ix - iy + 1 + kshift) / 2);
  if (jp < 1) jp += 4 * nside;
  out[0] = iz;
  out[1] = jp - 1;
}

/** Writes [face, ix, iy] of ring pixel (iz, ip) into out (HEALPix ring2xyf). */
export function ringPartsToXyf(order: number, iz: number, ip: number, out: Int32Array): void {
  const nside = NSIDE[order];
  const iphi = ip + 1;
  let face: number, nq: number, kshift: number;
  if (iz < nside) {
    nq = iz;
    kshift = 0;
    face = Math.floor(ip / nq);
  } else if (iz > 3 * nside) {
    nq = 4 * nside - iz;
    kshift = 0;
    face = 8 + Math.floor(ip / nq);
  } else {
    nq = nside;
    kshift = (iz + nside) & 1;
    const ire = iz - nside + 1;
    const irm = 2 * nside + 2 - ire;
    const ifm = Math.floor((iphi - Math.floor(ire / 2) + nside - 1) / nside);
    const ifp = Math.floor((iphi - Math.floor(irm / 2) + nside - 1) / nside);
    face = ifp === ifm ? ifp | 4 : ifp < ifm ? ifp : ifm + 8;
  }
  const irt = iz - JRLL[face] * nside + 1;
  let ipt = 2 * iphi - JPLL[face] * nq - kshift - 1;
  if (ipt >= 2 * nside) ipt -= 8 * nside;
  out[0] = face;
  out[1] = Math.floor((ipt - irt) / 2);
  out[2] = Math.floor((-ipt - irt) / 2);
}

function isqrt(v: number): number {
  let s = Math.floor(Math.sqrt(v));
  while (s * s > v) s--;
  while ((s + 1) * (s + 1) <= v) s++;
  return s;
}

function isqrtBig(v: bigint): bigint {
  let s = BigInt(Math.floor(Math.sqrt(Number(v))));
  while (s * s > v) s--;
  while ((s + 1n) * (s + 1n) <= v) s++;
  return s;
}

/** Writes [iz, ip] of a RING id (order <= 24) into out. */
export function ringToParts(order: number, pix: number, out: Float64Array): void {
  const nside = NSIDE[order];
  const npix = 12 * FACE_PIXELS[order];
  const ncap = 2 * nside * (nside - 1);
  if (pix < ncap) {
    const iz = (1 + isqrt(1 + 2 * pix)) >>> 1;
    out[0] = iz;
    out[1] = pix - 2 * iz * (iz - 1);
  } else if (pix < npix - ncap) {
    const ip = pix - ncap;
    const k = Math.floor(ip / (4 * nside));
    out[0] = k + nside;
    out[1] = ip - k * 4 * nside;
  } else {
    const back = npix - pix;
    const nq = (1 + isqrt(2 * back - 1)) >>> 1;
    out[0] = 4 * nside - nq;
    out[1] = 4 * nq - (back - 2 * nq * (nq - 1));
  }
}

export function ringToPartsBig(order: number, pix: bigint, out: Float64Array): void {
  const nside = NSIDE[order];
  const N = BigInt(nside);
  const npix = 12n * N * N;
  const ncap = 2n * N * (N - 1n);
  if (pix < ncap) {
    const iz = (1n + isqrtBig(1n + 2n * pix)) >> 1n;
    out[0] = Number(iz);
    out[1] = Number(pix - 2n * iz * (iz - 1n));
  } else if (pix < npix - ncap) {
    const ip = pix - ncap;
    const k = ip / (4n * N);
    out[0] = Number(k) + nside;
    out[1] = Number(ip - k * 4n * N);
  } else {
    const back = npix - pix;
    const nq = (1n + isqrtBig(2n * back - 1n)) >> 1n;
    out[0] = 4 * nside - Number(nq);
    out[1] = Number(4n * nq - (back - 2n * nq * (nq - 1n)));
  }
}

const parts = new Float64Array(2);

/** RING id (order <= 24) of pixel (face, ix, iy). */
export function xyfToRing(order: number, face: number, ix: number, iy: number): number {
  xyfToRingParts(order, face, ix, iy, parts);
  return ringStart(order, parts[0]) + parts[1];
}

export function xyfToRingBig(order: number, face: number, ix: number, iy: number): bigint {
  xyfToRingParts(order, face, ix, iy, parts);
  return ringStartBig(order, parts[0]) + BigInt(parts[1]);
}

export function ringToXyf(order: number, pix: number, out: Int32Array): void {
  ringToParts(order, pix, parts);
  ringPartsToXyf(order, parts[0], parts[1], out);
}

export function ringToXyfBig(order: number, pix: bigint, out: Int32Array): void {
  ringToPartsBig(order, pix, parts);
  ringPartsToXyf(order, parts[0], parts[1], out);
}

/**
 * Centre of the pixel of ring iz whose longitude is t * pi / (4 nq) (t = 2 ip
 * + 1 on shifted rings, 2 ip otherwise; t = JPLL[face] nq + ix - iy mod 8 nq
 * from face coordinates). Writes [z, phi, sin(theta)] into out with HEALPix
 * C++'s NESTED pix2loc arithmetic, and returns whether HEALPix would carry
 * sin(theta) (|z| > 0.99) for an accurate theta near the poles. sin(theta) is
 * always the accurate one here, as distance tests need it.
 */
export function ringCentre(order: number, iz: number, t: number, out: Float64Array): boolean {
  const nside = NSIDE[order];
  let nq: number, z: number, sth: number;
  if (iz < nside) {
    nq = iz;
    const tmp = nq * nq * FACT2[order];
    z = 1 - tmp;
    sth = Math.sqrt(tmp * (2 - tmp));
  } else if (iz > 3 * nside) {
    nq = 4 * nside - iz;
    const tmp = nq * nq * FACT2[order];
    z = tmp - 1;
    sth = Math.sqrt(tmp * (2 - tmp));
  } else {
    nq = nside;
    z = (2 * nside - iz) * FACT1[order];
    sth = Math.sqrt((1 - z) * (1 + z));
  }
  out[0] = z;
  out[1] = nq === nside ? 0.75 * HALF_PI * t * FACT1[order] : (0.5 * HALF_PI * t) / nq;
  out[2] = sth;
  return z > 0.99 || z < -0.99;
}

/**
 * Squared chord between the centre of the pixel (iz, t) of ringCentre and
 * the point at z0, s0 = sin(theta0), longitude phi0, as (s - s0)^2 + (z -
 * z0)^2 + 4 s s0 sin^2(dphi / 2): one sine, no cancellation, accurate for
 * tiny distances. When the first two terms already exceed `limit`, returns
 * them (a lower bound above limit) without the sine.
 */
export function centreDist2(order: number, iz: number, t: number, z0: number, s0: number, phi0: number, limit: number): number {
  const nside = NSIDE[order];
  let nq: number, z: number, sth: number;
  if (iz < nside) {
    nq = iz;
    const tmp = nq * nq * FACT2[order];
    z = 1 - tmp;
    sth = Math.sqrt(tmp * (2 - tmp));
  } else if (iz > 3 * nside) {
    nq = 4 * nside - iz;
    const tmp = nq * nq * FACT2[order];
    z = tmp - 1;
    sth = Math.sqrt(tmp * (2 - tmp));
  } else {
    nq = nside;
    z = (2 * nside - iz) * FACT1[order];
    sth = Math.sqrt((1 - z) * (1 + z));
  }
  const dz = z - z0, ds = sth - s0;
  const lat = dz * dz + ds * ds;
  if (lat > limit) return lat;
  const phi = nq === nside ? 0.75 * HALF_PI * t * FACT1[order] : (0.5 * HALF_PI * t) / nq;
  const h = Math.sin((phi - phi0) * 0.5);
  return lat + 4 * sth * s0 * h * h;
}

/** Longitude index t of ringCentre for pixel (face, ix, iy), whose ring is iz. */
export function xyfT(nside: number, face: number, ix: number, iy: number, iz: number): number {
  const nq = ringQuarter(nside, iz);
  const t = JPLL[face] * nq + ix - iy;
  return t < 0 ? t + 8 * nq : t;
}

/** ringCentre of pixel (face, ix, iy). */
export function xyfCentre(order: number, face: number, ix: number, iy: number, out: Float64Array): boolean {
  const nside = NSIDE[order];
  const iz = JRLL[face] * nside - ix - iy - 1;
  const nq = ringQuarter(nside, iz);
  let t = JPLL[face] * nq + ix - iy;
  if (t < 0) t += 8 * nq;
  return ringCentre(order, iz, t, out);
}
