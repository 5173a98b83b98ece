// The 8 (or 7) neighbours of a pixel, in healpy's order SW, W, NW, N, NE, E,
// SE, S, with -1 where a pixel at a base-pixel corner has only 7. Neighbours
// across a base-pixel edge are found on the adjacent face, reflecting and/or
// swapping the coordinates where the faces are oriented differently (the
// tables of HEALPix C++'s neighbors()).

import { MAX_NUMBER_ORDER, NSIDE, checkOrder, checkPix } from './base.js';
import { nestToXyf, xyfToNest } from './nest.js';
import { ringToXyf, xyfToRing } from './ring.js';

const X_OFFSET = Int32Array.of(-1, -1, 0, 1, 1, 1, 0, -1);
const Y_OFFSET = Int32Array.of(0, 1, 1, 1, 0, -1, -1, -1);

// Face reached from each face by a step (dx, dy) in {-1, 0, 1}^2 that leaves
// it, indexed [4 + dx + 3 dy][face]; -1: no such face (a 7-neighbour corner).
const FACE_ARRAY = [
  [8, 9, 10, 11, -1, -1, -1, -1, 10, 11, 8, 9],
  [5, 6, 7, 4, 8, 9, 10, 11, 9, 10, 11, 8],
  [-1, -1, -1, -1, 5, 6, 7, 4, -1, -1, -1, -1],
  [4, 5, 6, 7, 11, 8, 9, 10, 11, 8, 9, 10],
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
  [1, 2, 3, 0, 0, 1, 2, 3, 5, 6, 7, 4],
  [-1, -1, -1, -1, 7, 4, 5, 6, -1, -1, -1, -1],
  [3, 0, 1, 2, 3, 0, 1, 2, 4, 5, 6, 7],
  [2, 3, 0, 1, -1, -1, -1, -1, 0, 1, 2, 3],
].map((row) => Int8Array.from(row));
// Bit 1: x -> nside-1-x, bit 2: y -> nside-1-y, bit 4: swap x and y; [step][face >> 2].
const SWAP_ARRAY = [
  [0, 0, 3], [0, 0, 6], [0, 0, 0], [0, 0, 5], [0, 0, 0], [5, 0, 0], [0, 0, 0], [6, 0, 0], [3, 0, 0],
].map((row) => Int8Array.from(row));

/**
 * Fills faces/xs/ys (length 8) with the neighbours of pixel (face, ix, iy) in
 * healpy's order; a face of -1 marks a missing neighbour.
 */
export function neighbourXyfs(order: number, face: number, ix: number, iy: number, faces: Int8Array, xs: Int32Array, ys: Int32Array): void {
  const nside = NSIDE[order];
  const inner = ix > 0 && ix < nside - 1 && iy > 0 && iy < nside - 1;
  for (let i = 0; i < 8; i++) {
    let x = ix + X_OFFSET[i];
    let y = iy + Y_OFFSET[i];
    if (inner) {
      faces[i] = face;
      xs[i] = x;
      ys[i] = y;
      continue;
    }
    let step = 4;
    if (x < 0) { x += nside; step -= 1; } else if (x >= nside) { x -= nside; step += 1; }
    if (y < 0) { y += nside; step -= 3; } else if (y >= nside) { y -= nside; step += 3; }
    const f = FACE_ARRAY[step][face];
    faces[i] = f;
    if (f < 0) continue;
    const bits = SWAP_ARRAY[step][face >> 2];
    if (bits & 1) x = nside - x - 1;
    if (bits & 2) y = nside - y - 1;
    if (bits & 4) { const t = x; x = y; y = t; }
    xs[i] = x;
    ys[i] = y;
  }
}

const xyf = new Int32Array(3);
const nbF = new Int8Array(8);
const nbX = new Int32Array(8);
const nbY = new Int32Array(8);

/** Fills out (length >= 8) with the NESTED neighbours of a NESTED pixel (orders 0..24), -1 where none. */
export function neighboursNestInto(order: number, pix: number, out: Float64Array | number[]): void {
  checkOrder(order, MAX_NUMBER_ORDER, 'neighboursNestBig');
  checkPix(order, pix);
  nestToXyf(order, pix, xyf);
  neighbourXyfs(order, xyf[0], xyf[1], xyf[2], nbF, nbX, nbY);
  for (let i = 0; i < 8; i++) out[i] = nbF[i] < 0 ? -1 : xyfToNest(order, nbF[i], nbX[i], nbY[i]);
}

/** NESTED neighbours [sw, w, nw, n, ne, e, se, s] of a NESTED pixel (orders 0..24); -1 where none. */
export function neighboursNest(order: number, pix: number): number[] {
  const out = new Array<number>(8);
  neighboursNestInto(order, pix, out);
  return out;
}

/** RING neighbours [sw, w, nw, n, ne, e, se, s] of a RING pixel (orders 0..24); -1 where none. */
export function neighboursRing(order: number, pix: number): number[] {
  checkOrder(order, MAX_NUMBER_ORDER, 'neighboursRingBig');
  checkPix(order, pix);
  ringToXyf(order, pix, xyf);
  neighbourXyfs(order, xyf[0], xyf[1], xyf[2], nbF, nbX, nbY);
  const out = new Array<number>(8);
  for (let i = 0; i < 8; i++) out[i] = nbF[i] < 0 ? -1 : xyfToRing(order, nbF[i], nbX[i], nbY[i]);
  return out;
}
