// k nearest rows per probe within a maximum radius. Each probe searches a
// growing circle, starting where about 4k rows are expected and doubling,
// until k rows lie inside it (then they are the k nearest) or the maximum
// radius is reached.

import { DEG_PER_RAD, RAD_PER_DEG } from '../sky/angles.js';
import { RangeList } from '../sky/ranges.js';
import { chord2FromArcsec, chord2FromRad } from '../sky/vector.js';
import { MatchBuilder, emptyMatches, type Matches } from './matches.js';
import { sortProbes, vectorInto, type Probes } from './probes.js';
import type { SkyIndex } from './sky-index.js';

export function nearestMatch(index: SkyIndex, P: Probes, k: number, excludeSelf: boolean): Matches {
  if (P.n === 0 || index.length === 0) return emptyMatches();
  const S = sortProbes(P, index.keyScheme);
  const out = new MatchBuilder(Math.max(1024, P.n * Math.min(k, 8)));
  const ranges = new RangeList(64);
  const v = new Float64Array(3);
  // Radius holding ~4k rows on a uniform sky: area 4k/n of 4 pi sr.
  const startDeg = Math.min(180, Math.sqrt((16 * (k + 1)) / index.length) * DEG_PER_RAD);
  let candRow = new Uint32Array(64);
  let candC2 = new Float64Array(64);
  const X = index.x, Y = index.y, Z = index.z, ids = index.rowIds;
  for (let jj = 0; jj < S.n; jj++) {
    const p = S.order[jj];
    vectorInto(S.ra[jj], S.dec[jj], v);
    const px = v[0], py = v[1], pz = v[2];
    const maxDeg = S.radii ? S.radii[jj] / 3600 : P.radiusDeg;
    const maxC2 = S.radii ? chord2FromArcsec(S.radii[jj]) : P.chord2;
    let rDeg = Math.min(maxDeg, startDeg);
    for (;;) {
      const c2max = rDeg === maxDeg ? maxC2 : chord2FromRad(rDeg * RAD_PER_DEG);
      index.keyScheme.cover(S.ra[jj], S.dec[jj], px, py, pz, rDeg, ranges);
      let n = 0;
      for (let r = 0; r < ranges.length; r++) {
        const i0 = index.lowerBound(ranges.data[2 * r]);
        const i1 = index.lowerBound(ranges.data[2 * r + 1]);
        for (let i = i0; i < i1; i++) {
          const dx = X[i] - px, dy = Y[i] - py, dz = Z[i] - pz;
          const c = dx * dx + dy * dy + dz * dz;
          if (c > c2max) continue;
          const row = ids ? ids[i] : i;
          if (excludeSelf && row === p) continue;
          if (n === candRow.length) {
            const r2 = new Uint32Array(n * 2); r2.set(candRow); candRow = r2;
            const c22 = new Float64Array(n * 2); c22.set(candC2); candC2 = c22;
          }
          candRow[n] = row;
          candC2[n] = c;
          n++;
        }
      }
      if (n >= k || rDeg >= maxDeg) {
        pushBest(out, p, candRow, candC2, n, k);
        break;
      }
      rDeg = Math.min(maxDeg, rDeg * 2);
    }
  }
  return out.finish(P.n);
}

/** Pushes the k smallest (chord2, row) of the candidates. */
function pushBest(
  out: MatchBuilder, p: number, rows: Uint32Array, c2: Float64Array, n: number, k: number,
): void {
  if (n <= k) {
    for (let i = 0; i < n; i++) out.push(p, rows[i], c2[i]);
    return;
  }
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => c2[a] - c2[b] || rows[a] - rows[b]);
  for (let i = 0; i < k; i++) out.push(p, rows[idx[i]], c2[idx[i]]);
}
