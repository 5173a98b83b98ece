// Bit interleaving of face coordinates (x, y < 2^29) into NESTED ids, done on
// 32-bit halves because JavaScript's bit operators are 32-bit.

/** SPREAD8[b]: the 8 bits of b moved to the even bits of 16. */
const SPREAD8 = new Uint16Array(256);
for (let b = 0; b < 256; b++) {
  let x = b;
  x = (x | (x << 4)) & 0x0f0f;
  x = (x | (x << 2)) & 0x3333;
  x = (x | (x << 1)) & 0x5555;
  SPREAD8[b] = x;
}

/** Spreads the low 16 bits of v to the even bits of a 32-bit word. */
export function spread16(v: number): number {
  return (SPREAD8[v & 0xff] | (SPREAD8[(v >>> 8) & 0xff] << 16)) >>> 0;
}

/** Gathers the even bits of a 32-bit word into 16 bits. */
export function compress16(v: number): number {
  let x = v & 0x55555555;
  x = (x | (x >>> 1)) & 0x33333333;
  x = (x | (x >>> 2)) & 0x0f0f0f0f;
  x = (x | (x >>> 4)) & 0x00ff00ff;
  x = (x | (x >>> 8)) & 0x0000ffff;
  return x;
}

/** Low and high 32-bit words of interleave(x, y) = spread(x) | spread(y) << 1. */
export function interleaveLo(x: number, y: number): number {
  return (spread16(x) | (spread16(y) << 1)) >>> 0;
}

export function interleaveHi(x: number, y: number): number {
  return (spread16(x >>> 16) | (spread16(y >>> 16) << 1)) >>> 0;
}
