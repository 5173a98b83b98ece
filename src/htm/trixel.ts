// HTM trixels with SDSS numbering (Kunszt, Szalay & Thakar 2001): roots
// S0..S3 = 8..11, N0..N3 = 12..15 on the octahedron v0 = +z, v1 = +x,
// v2 = +y, v3 = -x, v4 = -y, v5 = -z; children of (a, b, c), with w0, w1,
// w2 the normalised midpoints of b+c, a+c, a+b, are 4i+0 = (a, w2, w1),
// 4i+1 = (b, w0, w2), 4i+2 = (c, w1, w0), 4i+3 = (w0, w1, w2).
// Depths 0..24: ids lie in [8 * 4^d, 16 * 4^d) and 16 * 4^24 = 2^52, so ids
// are exact doubles.
//
// A trixel's vertices are defined by the float64 computation itself: the
// midpoint of u and v is (u + v) / sqrt(s.s) with s = u + v, component by
// component, exactly as lsst/sphgeom normalises. Every module here derives
// child vertices through `midpoint` so lookup and covers see the same trixels.

export const MAX_DEPTH = 24;

/** 4^k for k = 0..MAX_DEPTH. */
export const POW4 = Float64Array.from({ length: MAX_DEPTH + 1 }, (_, k) => 4 ** k);

const V = [[0, 0, 1], [1, 0, 0], [0, 1, 0], [-1, 0, 0], [0, -1, 0], [0, 0, -1]];
const ROOTS = [[1, 5, 2], [2, 5, 3], [3, 5, 4], [4, 5, 1], [1, 0, 4], [4, 0, 3], [3, 0, 2], [2, 0, 1]];

/** Vertices (a, b, c) of roots 8..15, 9 numbers each, root r at (r - 8) * 9. */
export const ROOT_VERTICES = Float64Array.from(ROOTS.flatMap((r) => r.flatMap((k) => V[k])));

function fmt(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : String(v);
}

export function checkDepth(depth: number): void {
  if (typeof depth !== 'number' || !Number.isInteger(depth) || depth < 0 || depth > MAX_DEPTH) {
    throw new RangeError(`HTM depth must be an integer in [0, ${MAX_DEPTH}], got ${fmt(depth)}`);
  }
}

/** Depth of a trixel id; RangeError naming the id unless it is a valid id (in [8 * 4^d, 16 * 4^d) for some d <= 24). */
export function htmDepth(id: number): number {
  if (typeof id === 'number' && Number.isInteger(id) && id >= 8) {
    for (let d = 0; d <= MAX_DEPTH; d++) {
      if (id < 16 * POW4[d]) {
        if (id >= 8 * POW4[d]) return d;
        break;
      }
    }
  }
  throw new RangeError(`HTM id must be an integer in [8 * 4^d, 16 * 4^d) for a depth d in [0, ${MAX_DEPTH}], got ${fmt(id)}`);
}

/**
 * Writes the normalised midpoint of vertices at t[i..i+2] and t[j..j+2] to
 * m[k..k+2]. The one place child vertices are computed (see the header).
 */
export function midpoint(t: Float64Array, i: number, j: number, m: Float64Array, k: number): void {
  const x = t[i] + t[j], y = t[i + 1] + t[j + 1], z = t[i + 2] + t[j + 2];
  const n = Math.sqrt(x * x + y * y + z * z);
  m[k] = x / n;
  m[k + 1] = y / n;
  m[k + 2] = z / n;
}

/** Replaces the triangle t[o..o+8] = (a, b, c) by its child k, given its midpoints m = (w0, w1, w2). */
export function toChild(t: Float64Array, o: number, m: Float64Array, k: number): void {
  // Child vertex sources: 0..2 = a, b, c of t; 3..5 = w0, w1, w2 of m.
  const src = CHILD_SOURCES[k];
  for (let v = 0; v < 3; v++) {
    const s = src[v];
    if (s >= 3) {
      t[o + 3 * v] = m[3 * (s - 3)]; t[o + 3 * v + 1] = m[3 * (s - 3) + 1]; t[o + 3 * v + 2] = m[3 * (s - 3) + 2];
    } else {
      t[o + 3 * v] = t[o + 3 * s]; t[o + 3 * v + 1] = t[o + 3 * s + 1]; t[o + 3 * v + 2] = t[o + 3 * s + 2];
    }
  }
}

// (a, w2, w1), (b, w0, w2), (c, w1, w0), (w0, w1, w2); each child's first
// vertex comes from the parent slot it overwrites or a later one, so the
// in-place copy above never reads a slot it already wrote.
const CHILD_SOURCES = [[0, 5, 4], [1, 3, 5], [2, 4, 3], [3, 4, 5]];

/** Writes the vertices of trixel `id` (a valid id) to out[o..o+8]. */
export function trixelVerticesInto(id: number, out: Float64Array, o = 0): void {
  const d = htmDepth(id);
  const r = (Math.floor(id / POW4[d]) - 8) * 9;
  for (let i = 0; i < 9; i++) out[o + i] = ROOT_VERTICES[r + i];
  const m = MIDS;
  for (let l = d - 1; l >= 0; l--) {
    midpoint(out, o + 3, o + 6, m, 0);
    midpoint(out, o, o + 6, m, 3);
    midpoint(out, o, o + 3, m, 6);
    toChild(out, o, m, Math.floor(id / POW4[l]) % 4);
  }
}

const MIDS = new Float64Array(9);

/** Trixel name: N or S, the root number, then one digit per level (e.g. N0123, S3). */
export function htmName(id: number): string {
  const d = htmDepth(id);
  const root = Math.floor(id / POW4[d]);
  let s = root >= 12 ? `N${root - 12}` : `S${root - 8}`;
  for (let l = d - 1; l >= 0; l--) s += String(Math.floor(id / POW4[l]) % 4);
  return s;
}

/** Inverse of htmName; RangeError naming the string unless it looks like N0123 or S3. */
export function htmIdFromName(name: string): number {
  if (typeof name !== 'string' || !/^[NS][0-3][0-3]*$/.test(name) || name.length - 2 > MAX_DEPTH) {
    throw new RangeError(`HTM name must be N or S, a root digit 0-3, then at most ${MAX_DEPTH} digits 0-3 (like N0123 or S3), got ${fmt(name)}`);
  }
  let id = (name[0] === 'N' ? 12 : 8) + (name.charCodeAt(1) - 48);
  for (let i = 2; i < name.length; i++) id = id * 4 + (name.charCodeAt(i) - 48);
  return id;
}

export type Vertex = [number, number, number];

export interface Trixel {
  id: number;
  depth: number;
  /** e.g. N0123 */
  name: string;
  /** Vertices (a, b, c) as unit vectors, counter-clockwise seen from outside the sphere. */
  vertices: [Vertex, Vertex, Vertex];
}

export function htmTrixel(id: number): Trixel {
  const depth = htmDepth(id);
  const t = new Float64Array(9);
  trixelVerticesInto(id, t);
  return {
    id, depth, name: htmName(id),
    vertices: [[t[0], t[1], t[2]], [t[3], t[4], t[5]], [t[6], t[7], t[8]]],
  };
}

/** Parent id of a trixel at depth >= 1. */
export function htmParent(id: number): number {
  if (htmDepth(id) === 0) throw new RangeError(`HTM root trixel ${id} has no parent`);
  return Math.floor(id / 4);
}

/** Half-open id range [first, end) of the descendants of `id` at `depth` (>= its own depth). */
export function htmDescendants(id: number, depth: number): [number, number] {
  const d = htmDepth(id);
  checkDepth(depth);
  if (depth < d) throw new RangeError(`depth must be >= the trixel's depth ${d}, got ${depth}`);
  return [id * POW4[depth - d], (id + 1) * POW4[depth - d]];
}
