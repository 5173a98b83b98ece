// NESTED ids <-> (face, ix, iy). A NESTED id is face * 4^order followed by
// the bits of iy and ix interleaved (iy in the odd bits). JavaScript's bit
// operators are 32-bit, so above order 15 the interleave is done on 16-bit
// halves: lo = interleave of the low 16 bits (32 bits), hi = the rest.
// Face coordinates are int32 at every order (ix, iy < 2^29).

import { FACE_PIXELS } from './base.js';

const TWO32 = 4294967296;

/** Spreads the low 16 bits of v to the even bits of a 32-bit word. */
export function spread16(v: number): number {
  let x = v & 0xffff;
  x = (x | (x << 8)) & 0x00ff00ff;
  x = (x | (x << 4)) & 0x0f0f0f0f;
  x = (x | (x << 2)) & 0x33333333;
  x = (x | (x << 1)) & 0x55555555;
  return x;
}

/** Gathers the even bits of a 32-bit word into 16 bits. */
export function compact16(v: number): number {
  let x = v & 0x55555555;
  x = (x | (x >>> 1)) & 0x33333333;
  x = (x | (x >>> 2)) & 0x0f0f0f0f;
  x = (x | (x >>> 4)) & 0x00ff00ff;
  x = (x | (x >>> 8)) & 0x0000ffff;
  return x;
}

/** NESTED id (order <= 24) of pixel (ix, iy) of a face. */
export function xyfToNest(order: number, face: number, ix: number, iy: number): number {
  if (order <= 15) return face * FACE_PIXELS[order] + ((spread16(ix) | (spread16(iy) << 1)) >>> 0);
  const lo = (spread16(ix) | (spread16(iy) << 1)) >>> 0;
  const hi = spread16(ix >>> 16) | (spread16(iy >>> 16) << 1);
  return face * FACE_PIXELS[order] + hi * TWO32 + lo;
}

export function xyfToNestBig(order: number, face: number, ix: number, iy: number): bigint {
  const lo = (spread16(ix) | (spread16(iy) << 1)) >>> 0;
  const hi = (spread16(ix >>> 16) | (spread16(iy >>> 16) << 1)) >>> 0;
  return (BigInt(face) << BigInt(2 * order)) + (BigInt(hi) << 32n) + BigInt(lo);
}

/** Writes [face, ix, iy] of a NESTED id (order <= 24) into out. */
export function nestToXyf(order: number, pix: number, out: Int32Array): void {
  const npface = FACE_PIXELS[order];
  const face = Math.floor(pix / npface);
  const ipf = pix - face * npface;
  const lo = ipf >>> 0;
  const hi = Math.floor(ipf / TWO32);
  out[0] = face;
  out[1] = compact16(lo) | (compact16(hi) << 16);
  out[2] = compact16(lo >>> 1) | (compact16(hi >>> 1) << 16);
}

export function nestToXyfBig(order: number, pix: bigint, out: Int32Array): void {
  const shift = BigInt(2 * order);
  const face = Number(pix >> shift);
  const ipf = pix & ((1n << shift) - 1n);
  const lo = Number(ipf & 0xffffffffn);
  const hi = Number(ipf >> 32n);
  out[0] = face;
  out[1] = compact16(lo) | (compact16(hi) << 16);
  out[2] = compact16(lo >>> 1) | (compact16(hi >>> 1) << 16);
}

/**
 * Whether (x1, y1) comes before (x2, y2) in NESTED order (same face and
 * level): the pair differs first at its most significant differing bit,
 * with y above x in each bit pair.
 */
export function nestLess(x1: number, y1: number, x2: number, y2: number): boolean {
  const dx = x1 ^ x2, dy = y1 ^ y2;
  if (dy !== 0 && (dx === 0 || Math.clz32(dy) <= Math.clz32(dx))) return y1 < y2;
  return x1 < x2;
}
