// The zone-height planner against the best fixed height, by counting work:
// for every probe, the zones (or row/col cells) its circle visits and the
// catalog rows it scans as candidates, both read off the real index and the
// engine's own covers. Cost = (zone cost / candidate cost) x visits +
// candidates, with the ratios the planner assumes (COST_RATIO, measured by
// bench/zone-height.bench.ts). Results do not depend on the height, so only
// this count can tell a bad plan; nothing is timed. The catalogs are patches
// of the sky; the planner is asked for a whole-sky catalog of the same density
// (what `catalog build` asks), since the row/col table spans the whole sky and
// the planner keeps it no larger than the catalog.

import { describe, expect, it } from 'vitest';
import { makeKeyScheme } from '../../src/match/schemes.js';
import type { IndexScheme } from '../../src/match/scheme.js';
import { SkyIndex } from '../../src/match/sky-index.js';
import { RangeList } from '../../src/sky/ranges.js';
import { seededRandom } from '../../src/sky/random.js';
import { COST_RATIO, FULL_SKY_DEG2, planCellSize, planZoneHeight } from '../../src/zones/planner.js';

const RAD = Math.PI / 180;
const TWO32 = 2 ** 32;
/** The planned height must cost at most this much more than the best of the fixed heights. */
const FACTOR = 1.2;
const HEIGHTS = [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5];

interface Patch { ra: Float64Array; dec: Float64Array; areaDeg2: number }

/** n points uniform on the sphere inside ra [ra0, ra0 + dRa], dec [d0, d1]. */
function patch(n: number, seed: number, ra0: number, dRa: number, d0: number, d1: number): Patch {
  const r = seededRandom(seed);
  const ra = new Float64Array(n), dec = new Float64Array(n);
  const s0 = Math.sin(d0 * RAD), s1 = Math.sin(d1 * RAD);
  for (let i = 0; i < n; i++) {
    ra[i] = (ra0 + r() * dRa + 360) % 360;
    dec[i] = Math.asin(s0 + r() * (s1 - s0)) / RAD;
  }
  return { ra, dec, areaDeg2: dRa * RAD * (s1 - s0) / RAD / RAD };
}

function lowerBound(keys: Float64Array, k: number): number {
  let lo = 0, hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < k) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** Zones or cells visited and candidate rows scanned by all probes, weighted by the planner's cost ratio. */
function cost(cat: Patch, probes: Patch, scheme: IndexScheme, radiusArcsec: number, ratio: number): number {
  const index = SkyIndex.build(cat.ra, cat.dec, scheme);
  const ks = makeKeyScheme(index.scheme);
  const keys = index.keys;
  const ranges = new RangeList();
  let visits = 0, candidates = 0;
  for (let i = 0; i < probes.ra.length; i++) {
    const a = probes.ra[i] * RAD, d = probes.dec[i] * RAD;
    ks.cover(probes.ra[i], probes.dec[i], Math.cos(d) * Math.cos(a), Math.cos(d) * Math.sin(a), Math.sin(d), radiusArcsec / 3600, ranges);
    let lastZone = -1;
    for (let k = 0; k < ranges.length; k++) {
      const s = ranges.start(k), e = ranges.end(k);
      candidates += lowerBound(keys, e) - lowerBound(keys, s);
      if (scheme.kind === 'rowcol') {
        visits += Math.ceil(e / TWO32) - Math.floor(s / TWO32);
      } else if (Math.floor(s / TWO32) !== lastZone) {
        lastZone = Math.floor(s / TWO32);
        visits++;
      }
    }
  }
  return ratio * visits + candidates;
}

// Densities from a 10^6-row to a Gaia-like all-sky catalog (rows per deg^2), on patches at
// the equator and at dec 60-70 (wider RA windows); radii from 1" to 1'.
const CASES = [
  { density: 25, dec: [-4, 4] }, { density: 250, dec: [-4, 4] }, { density: 2500, dec: [-2, 2] },
  { density: 250, dec: [60, 70] },
] as const;
const RADII = [1, 2, 10, 60];

describe.each(CASES)('zone planner, $density rows/deg², dec $dec', ({ density, dec }) => {
  const [d0, d1] = dec;
  const span = d1 - d0;
  const dRa = span / Math.cos(((d0 + d1) / 2) * RAD);
  const area = dRa * RAD * (Math.sin(d1 * RAD) - Math.sin(d0 * RAD)) / RAD / RAD;
  const cat = patch(Math.round(density * area), 11, 100, dRa, d0, d1);
  // Probes well inside the patch: every circle meets catalog all round.
  const probes = patch(2000, 12, 100 + dRa / 4, dRa / 2, d0 + span / 4, d1 - span / 4);
  const wholeSky = Math.round(density * FULL_SKY_DEG2);

  for (const workload of ['cone', 'merge'] as const) {
    it.each(RADII)(`zones, ${workload} workload, r = %i": planned height within ${FACTOR}x the best fixed height`, (r) => {
      const ratio = COST_RATIO[workload];
      const planned = planZoneHeight({ rows: wholeSky, radiusArcsec: r, workload });
      const fixed = HEIGHTS.map((h) => cost(cat, probes, { kind: 'zones', zoneHeightDeg: h }, r, ratio));
      const best = Math.min(...fixed);
      const mine = cost(cat, probes, { kind: 'zones', zoneHeightDeg: planned }, r, ratio);
      expect(mine, `planned h = ${planned}°, best fixed ${HEIGHTS[fixed.indexOf(best)]}°`).toBeLessThanOrEqual(FACTOR * best);
      // The count tells heights apart: at 10" and more, some fixed height costs half as much again as the best.
      if (r >= 10) expect(Math.max(...fixed)).toBeGreaterThan(1.5 * best);
    });
  }

  it.each(RADII)(`row/col cells, r = %i": planned cell within ${FACTOR}x the best fixed cell`, (r) => {
    const ratio = COST_RATIO.cell;
    const w = planCellSize({ rows: wholeSky, radiusArcsec: r });
    const fixed: number[] = [];
    for (const h of HEIGHTS) {
      // A grid too fine for the keys, or with more cells than the catalog has rows, is no candidate.
      if (FULL_SKY_DEG2 / (h * h) > Math.min(2 ** 21, wholeSky)) continue;
      fixed.push(cost(cat, probes, { kind: 'rowcol', zoneHeightDeg: h, colWidthDeg: h }, r, ratio));
    }
    const best = Math.min(...fixed);
    expect(cost(cat, probes, { kind: 'rowcol', zoneHeightDeg: w, colWidthDeg: w }, r, ratio), `planned w = ${w}°`).toBeLessThanOrEqual(FACTOR * best);
  });
});
