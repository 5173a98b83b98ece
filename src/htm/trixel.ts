// HTM trixels with SDSS numbering (Kunszt, Szalay & Thakar 2001): roots
// S0..S3 = 8..11, N0..N3 = 12..15 on the octahedron v0 = +z, v1 = +x,
// v2 = +y, v3 = -x, v4 = -y, v5 = -z; children of (a, b, c), with w0, w1,
// w2 the normalised midpoints of b+c, a+c, a+b, are 4i+0 = (a, w2, w1),
// 4i+1 = (b, w0, w2), 4i+2 = (c, w1, w0), 4i+3 = (w0, w1, w2).
// Depths 0..24: ids lie in [8 * 4^d, 16 * 4^d) and stay below 2^53.

export const MAX_DEPTH = 24;

const V = [
  [0, 0, 1], [1, 0, 0], [0, 1, 0], [-1, 0, 0], [0, -1, 0], [0, 0, -1],
];

/** Vertices (indices into V) of roots 8..15. */
const ROOTS = [
  [1, 5, 2], [2, 5, 3], [3, 5, 4], [4, 5, 1],
  [1, 0, 4], [4, 0, 3], [3, 0, 2], [2, 0, 1],
];

/** Root vertices as 9 numbers (a, b, c) for root id 8..15. */
export function rootVertices(root: number, out: Float64Array): void {
  const r = ROOTS[root - 8];
  for (let k = 0; k < 3; k++) {
    out[3 * k] = V[r[k]][0];
    out[3 * k + 1] = V[r[k]][1];
    out[3 * k + 2] = V[r[k]][2];
  }
}

export function checkDepth(depth: number): void {
  if (!Number.isInteger(depth) || depth < 0 || depth > MAX_DEPTH) {
    throw new RangeError(`HTM depth must be an integer in [0, ${MAX_DEPTH}], got ${String(depth)}`);
  }
}

/** Depth of a trixel id; throws a RangeError naming an invalid id. */
export function htmDepth(id: number): number {
  if (!Number.isInteger(id) || id < 8 || id >= 16 * 4 ** MAX_DEPTH) {
    throw new RangeError(`HTM id must be an integer in [8, 16 * 4^${MAX_DEPTH}), got ${String(id)}`);
  }
  let d = 0;
  while (id >= 16 * 4 ** d) d++;
  return d;
}

/** Midpoints w0 = mid(b, c), w1 = mid(a, c), w2 = mid(a, b) of triangle t into m. */
export function midpoints(t: Float64Array, m: Float64Array): void {
  let x = t[3] + t[6], y = t[4] + t[7], z = t[5] + t[8];
  let n = Math.sqrt(x * x + y * y + z * z);
  m[0] = x / n; m[1] = y / n; m[2] = z / n;
  x = t[0] + t[6]; y = t[1] + t[7]; z = t[2] + t[8];
  n = Math.sqrt(x * x + y * y + z * z);
  m[3] = x / n; m[4] = y / n; m[5] = z / n;
  x = t[0] + t[3]; y = t[1] + t[4]; z = t[2] + t[5];
  n = Math.sqrt(x * x + y * y + z * z);
  m[6] = x / n; m[7] = y / n; m[8] = z / n;
}

/** Replaces t by its child k, given its midpoints m. */
export function descend(t: Float64Array, m: Float64Array, k: number): void {
  switch (k) {
    case 0: // (a, w2, w1)
      t[3] = m[6]; t[4] = m[7]; t[5] = m[8];
      t[6] = m[3]; t[7] = m[4]; t[8] = m[5];
      break;
    case 1: // (b, w0, w2)
      t[0] = t[3]; t[1] = t[4]; t[2] = t[5];
      t[3] = m[0]; t[4] = m[1]; t[5] = m[2];
      t[6] = m[6]; t[7] = m[7]; t[8] = m[8];
      break;
    case 2: // (c, w1, w0)
      t[0] = t[6]; t[1] = t[7]; t[2] = t[8];
      t[3] = m[3]; t[4] = m[4]; t[5] = m[5];
      t[6] = m[0]; t[7] = m[1]; t[8] = m[2];
      break;
    default: // (w0, w1, w2)
      for (let i = 0; i < 9; i++) t[i] = m[i];
  }
}

/** Trixel name: N or S, the root number, then one digit per level (e.g. N0123). */
export function htmName(id: number): string {
  const d = htmDepth(id);
  const root = Math.floor(id / 4 ** d);
  let s = root >= 12 ? `N${root - 12}` : `S${root - 8}`;
  for (let l = d - 1; l >= 0; l--) s += String(Math.floor(id / 4 ** l) % 4);
  return s;
}

export function htmIdFromName(name: string): number {
  if (!/^[NS][0-3][0-3]*$/.test(name) || name.length - 2 > MAX_DEPTH) {
    throw new RangeError(`HTM name must look like N0123 or S2 (at most ${MAX_DEPTH} digits after the root), got '${name}'`);
  }
  let id = (name[0] === 'N' ? 12 : 8) + Number(name[1]);
  for (let i = 2; i < name.length; i++) id = id * 4 + Number(name[i]);
  return id;
}

export interface Trixel {
  id: number;
  depth: number;
  name: string;
  /** Vertices (a, b, c) as unit vectors, counter-clockwise seen from outside. */
  vertices: [[number, number, number], [number, number, number], [number, number, number]];
}

export function htmTrixel(id: number): Trixel {
  const d = htmDepth(id);
  const t = new Float64Array(9);
  const m = new Float64Array(9);
  rootVertices(Math.floor(id / 4 ** d), t);
  for (let l = d - 1; l >= 0; l--) {
    midpoints(t, m);
    descend(t, m, Math.floor(id / 4 ** l) % 4);
  }
  return {
    id, depth: d, name: htmName(id),
    vertices: [[t[0], t[1], t[2]], [t[3], t[4], t[5]], [t[6], t[7], t[8]]],
  };
}
