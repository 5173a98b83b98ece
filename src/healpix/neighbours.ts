// The 8 (or 7) neighbours of a pixel, in healpy's order SW, W, NW, N, NE, E,
// SE, S, with -1 where a pixel at a base-pixel corner has only 7. Neighbours
// across a base-pixel edge are found by moving to the adjacent face and, where
// the faces are oriented differently, reflecting / swapping the coordinates
// (the tables of HEALPix C++).

import type { Xyf } from './xyf.js';

const X_OFFSET = [-1, -1, 0, 1, 1, 1, 0, -1];
const Y_OFFSET = [0, 1, 1, 1, 0, -1, -1, -1];

// Neighbouring face of each face, for a step of (dx, dy) in {-1,0,1}^2:
// index 4 + dx + 3 dy (0 = S, 1 = SE, 2 = E, 3 = SW, 4 = same, 5 = NE, 6 = W, 7 = NW, 8 = N).
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
];
// Bit 1: x -> nside-1-x, bit 2: y -> nside-1-y, bit 4: swap x and y; by step and face row (face >> 2).
const SWAP_ARRAY = [
  [0, 0, 3],
  [0, 0, 6],
  [0, 0, 0],
  [0, 0, 5],
  [0, 0, 0],
  [5, 0, 0],
  [0, 0, 0],
  [6, 0, 0],
  [3, 0, 0],
];

/**
 * Fills faces/xs/ys (length 8) with the neighbours of (face, ix, iy); a face
 * of -1 marks a missing neighbour.
 */
export function neighbourXyfs(
  order: number, p: Xyf, faces: Int8Array, xs: Float64Array, ys: Float64Array,
): void {
  const nside = 2 ** order;
  const { face, ix, iy } = p;
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
    let nb = 4;
    if (x < 0) { x += nside; nb -= 1; } else if (x >= nside) { x -= nside; nb += 1; }
    if (y < 0) { y += nside; nb -= 3; } else if (y >= nside) { y -= nside; nb += 3; }
    const f = FACE_ARRAY[nb][face];
    if (f < 0) {
      faces[i] = -1;
      continue;
    }
    const bits = SWAP_ARRAY[nb][face >> 2];
    if (bits & 1) x = nside - x - 1;
    if (bits & 2) y = nside - y - 1;
    if (bits & 4) { const t = x; x = y; y = t; }
    faces[i] = f;
    xs[i] = x;
    ys[i] = y;
  }
}
