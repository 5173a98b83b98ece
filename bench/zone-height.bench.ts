// Does the planner pick a good zone height? For each catalog density and
// radius, bulk crossmatch time at a sweep of fixed zone heights (and row/col
// cell sizes) against the planner's choice. The planner passes when its time
// is within 10% of the best fixed height.

import { SkyIndex } from '../src/match/sky-index.js';
import { uniformSky } from '../src/sky/random.js';
import { planCellSize, planZoneHeight } from '../src/zones/planner.js';
import { report, timeBest, type Row } from './lib/results.js';

const DENSITY_ROWS = (process.env.SKYJOIN_SWEEP_ROWS ?? '100000,1000000,10000000').split(',').map(Number);
const RADII = [1, 2, 10, 60];
const HEIGHTS = [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5];
const PROBES = Number(process.env.SKYJOIN_SWEEP_PROBES ?? 200_000);

type Kind = 'zones' | 'rowcol';

function schemeFor(kind: Kind, h: number): { kind: 'zones'; zoneHeightDeg: number } | { kind: 'rowcol'; zoneHeightDeg: number; colWidthDeg: number } {
  return kind === 'zones' ? { kind, zoneHeightDeg: h } : { kind, zoneHeightDeg: h, colWidthDeg: h };
}

export async function runZoneHeight(): Promise<Row[]> {
  const probes = uniformSky(PROBES, 7);
  const rows: Row[] = [];
  for (const kind of ['zones', 'rowcol'] as Kind[]) {
    for (const n of DENSITY_ROWS) {
      const cat = uniformSky(n, 42);
      // ms per (height, radius), building each height once.
      const times = new Map<string, number>();
      const planned = new Map<number, number>();
      for (const r of RADII) {
        planned.set(r, kind === 'zones'
          ? planZoneHeight({ rows: n, radiusArcsec: r, workload: 'merge' })
          : planCellSize({ rows: n, radiusArcsec: r }));
      }
      const heights = [...new Set([...HEIGHTS, ...planned.values()])].sort((a, b) => a - b);
      for (const h of heights) {
        let index: SkyIndex;
        try {
          index = SkyIndex.build(cat.ra, cat.dec, schemeFor(kind, h));
        } catch {
          continue; // grid too fine for the key (rowcol): not a candidate
        }
        for (const r of RADII) {
          if (!HEIGHTS.includes(h) && planned.get(r) !== h) continue;
          times.set(`${h}/${r}`, timeBest(() => index.crossmatch(probes.ra, probes.dec, { radiusArcsec: r }), 5));
        }
      }
      for (const r of RADII) {
        let bestH = NaN, bestT = Infinity;
        for (const h of HEIGHTS) {
          const t = times.get(`${h}/${r}`);
          if (t !== undefined && t < bestT) { bestT = t; bestH = h; }
        }
        const ph = planned.get(r)!;
        const pt = times.get(`${ph}/${r}`)!;
        rows.push({
          scheme: kind,
          rows: n,
          'radius "': r,
          'planner h°': ph,
          'planner ms': +pt.toFixed(1),
          'best fixed h°': bestH,
          'best fixed ms': +bestT.toFixed(1),
          'planner / best': +(pt / bestT).toFixed(3),
          'within 10%': pt <= bestT * 1.1 ? 'yes' : 'NO',
        });
      }
    }
  }
  report('zone-height', `Zone-height planner vs the best of ${HEIGHTS.length} fixed heights (${PROBES} probes, bulk crossmatch)`, rows, { heights: HEIGHTS });
  return rows;
}
