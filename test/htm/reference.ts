// Independent, slow references for the HTM tests: a point lookup that uses
// only exact BigInt orientation (lsst/sphgeom's sequence of tests), and
// plain spherical geometry for distances between a point and a trixel.

export type V3 = [number, number, number];

const DEG = Math.PI / 180;

export const vec = (raDeg: number, decDeg: number): V3 => {
  const a = raDeg * DEG, d = decDeg * DEG;
  return [Math.cos(a) * Math.cos(d), Math.sin(a) * Math.cos(d), Math.sin(d)];
};

const buf = new DataView(new ArrayBuffer(8));

/** The double x as the exact integer x * 2^1074. */
function big(x: number): bigint {
  if (x === 0) return 0n;
  buf.setFloat64(0, x);
  const bits = buf.getBigUint64(0);
  const e = Number((bits >> 52n) & 0x7ffn);
  const f = bits & 0xfffffffffffffn;
  const m = e === 0 ? f : f | (1n << 52n);
  const v = m << BigInt(e === 0 ? 0 : e - 1);
  return bits >> 63n ? -v : v;
}

/** Exact sign of det(a, b, c) = a . (b x c). */
export function detSign(a: V3, b: V3, c: V3): number {
  const [ax, ay, az] = a.map(big), [bx, by, bz] = b.map(big), [cx, cy, cz] = c.map(big);
  const d = ax * (by * cz - bz * cy) + ay * (bz * cx - bx * cz) + az * (bx * cy - by * cx);
  return d > 0n ? 1 : d < 0n ? -1 : 0;
}

/** Normalised float midpoint, the definition's formula. */
export function mid(u: V3, v: V3): V3 {
  const s: V3 = [u[0] + v[0], u[1] + v[1], u[2] + v[2]];
  const n = Math.sqrt(s[0] * s[0] + s[1] * s[1] + s[2] * s[2]);
  return [s[0] / n, s[1] / n, s[2] / n];
}

const ROOTS: V3[][] = (() => {
  const v: V3[] = [[0, 0, 1], [1, 0, 0], [0, 1, 0], [-1, 0, 0], [0, -1, 0], [0, 0, -1]];
  return [[1, 5, 2], [2, 5, 3], [3, 5, 4], [4, 5, 1], [1, 0, 4], [4, 0, 3], [3, 0, 2], [2, 0, 1]].map((r) => r.map((k) => v[k]));
})();

export const rootTriangle = (id: number): V3[] => ROOTS[id - 8];

/** Children of (a, b, c) in SDSS order. */
export function children(t: V3[]): V3[][] {
  const [a, b, c] = t;
  const w0 = mid(b, c), w1 = mid(a, c), w2 = mid(a, b);
  return [[a, w2, w1], [b, w0, w2], [c, w1, w0], [w0, w1, w2]];
}

/** sphgeom's lookup with exact orientation only: slow, for cross-checks. */
export function refIndex(depth: number, p: V3): number {
  const [x, y, z] = p;
  let r: number;
  if (z < 0) r = y > 0 ? (x > 0 ? 0 : 1) : y === 0 ? (x >= 0 ? 0 : 2) : x < 0 ? 2 : 3;
  else r = y > 0 ? (x > 0 ? 7 : 6) : y === 0 ? (x >= 0 ? 7 : 5) : x < 0 ? 5 : 4;
  let id = r + 8;
  let t = rootTriangle(id);
  for (let l = 0; l < depth; l++) {
    const ch = children(t);
    const [w0, w1, w2] = ch[3];
    let k = 3;
    if (detSign(p, w2, w1) >= 0) k = 0;
    else if (detSign(p, w0, w2) >= 0) k = 1;
    else if (detSign(p, w1, w0) >= 0) k = 2;
    id = id * 4 + k;
    t = ch[k];
  }
  return id;
}

const cross = (a: V3, b: V3): V3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const dot = (a: V3, b: V3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const norm = (a: V3): number => Math.hypot(a[0], a[1], a[2]);

/** Angle between two vectors (atan2 form, accurate near 0 and pi). */
export const angle = (a: V3, b: V3): number => Math.atan2(norm(cross(a, b)), dot(a, b));

/** Angular distance from p to the minor arc u -> v. */
function arcDistance(p: V3, u: V3, v: V3): number {
  const n = cross(u, v);
  const onArc = dot(cross(u, p), n) >= 0 && dot(cross(p, v), n) >= 0;
  if (onArc) return Math.asin(Math.min(1, Math.abs(dot(p, n)) / (norm(n) * norm(p))));
  return Math.min(angle(p, u), angle(p, v));
}

/** Angular distance from p to the closed spherical triangle t (0 inside). */
export function distToTriangle(p: V3, t: V3[]): number {
  const [a, b, c] = t;
  if (dot(p, cross(a, b)) >= 0 && dot(p, cross(b, c)) >= 0 && dot(p, cross(c, a)) >= 0) return 0;
  return Math.min(arcDistance(p, a, b), arcDistance(p, b, c), arcDistance(p, c, a));
}

/** Largest angular distance from p to a point of the triangle: pi minus the distance from -p. */
export function farthestInTriangle(p: V3, t: V3[]): number {
  return Math.PI - distToTriangle([-p[0], -p[1], -p[2]], t);
}

/** Every trixel at `depth` with its vertices (depth <= 5 or so). */
export function allTrixels(depth: number): Array<{ id: number; t: V3[] }> {
  let level = [8, 9, 10, 11, 12, 13, 14, 15].map((id) => ({ id, t: rootTriangle(id) }));
  for (let l = 0; l < depth; l++) {
    level = level.flatMap(({ id, t }) => children(t).map((c, k) => ({ id: id * 4 + k, t: c })));
  }
  return level;
}

/** Deterministic 32-bit LCG in [0, 1). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

/** A uniform random unit vector. */
export function randomUnit(rnd: () => number): V3 {
  const z = 2 * rnd() - 1, a = 2 * Math.PI * rnd(), c = Math.sqrt(1 - z * z);
  return [c * Math.cos(a), c * Math.sin(a), z];
}

/** Points of the disc (p, r): the centre, uniform interior points and rim points at (1 - 1e-9) r. */
export function discSamples(p: V3, r: number, n: number, rnd: () => number): V3[] {
  const ref: V3 = Math.abs(p[2]) < 0.9 ? [0, 0, 1] : [1, 0, 0];
  const u0 = cross(ref, p), nu = norm(u0);
  const u: V3 = [u0[0] / nu, u0[1] / nu, u0[2] / nu];
  const w = cross(p, u);
  const out: V3[] = [p];
  for (let i = 0; i < n; i++) {
    const t = Math.min(Math.PI, r) * (i % 3 === 0 ? 1 - 1e-9 : Math.sqrt(rnd()));
    const phi = 2 * Math.PI * rnd();
    const ct = Math.cos(t), st = Math.sin(t), cp = Math.cos(phi), sp = Math.sin(phi);
    out.push([0, 1, 2].map((k) => p[k] * ct + (u[k] * cp + w[k] * sp) * st) as V3);
  }
  return out;
}

/** Points on and within an ulp or so of edges and vertices of random trixels. */
export function edgePoints(n: number, seed: number): V3[] {
  const rnd = lcg(seed);
  const pts: V3[] = [];
  while (pts.length < n) {
    let t = rootTriangle(8 + Math.floor(rnd() * 8));
    const depth = Math.floor(rnd() * 24);
    for (let l = 0; l < depth; l++) t = children(t)[Math.floor(rnd() * 4)];
    const [a, b, c] = t;
    const kind = Math.floor(rnd() * 4);
    let p: V3;
    if (kind === 0) p = [a, b, c][Math.floor(rnd() * 3)];
    else if (kind === 1) p = mid(a, b); // a vertex of the next level
    else {
      // A float point on or next to edge a-b (or a-c).
      const u = a, v = kind === 2 ? b : c, s = rnd();
      const q: V3 = [u[0] * (1 - s) + v[0] * s, u[1] * (1 - s) + v[1] * s, u[2] * (1 - s) + v[2] * s];
      const nq = Math.hypot(q[0], q[1], q[2]);
      p = [q[0] / nq, q[1] / nq, q[2] / nq];
    }
    pts.push(p);
  }
  return pts;
}
