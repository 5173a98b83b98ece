// Seeded skies for tests, benchmarks and load generation: the same seed gives
// the same points on every machine, so runs compare.

/** Mulberry32: a small, fast, seeded generator of doubles in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RaDec {
  ra: Float64Array;
  dec: Float64Array;
}

/** n points uniform on the sphere (ra in [0, 360), dec = asin(2v - 1)), in degrees. */
export function uniformSky(n: number, seed: number): RaDec {
  const r = seededRandom(seed);
  const ra = new Float64Array(n), dec = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ra[i] = r() * 360;
    dec[i] = (Math.asin(2 * r() - 1) * 180) / Math.PI;
  }
  return { ra, dec };
}
