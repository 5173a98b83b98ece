// The core library on equal terms: the four schemes, each with the planner's
// parameters for r = 2", on the same seeded uniform sky.
//   build: rows/s to index 10^7 rows
//   crossmatch: 10^6 probes against 10^7 rows at 2", all pairs, probes/s (one core)
//   cone: single 2" cone searches on 10^7 rows, median and p99 latency
//   extras (core-extras.bench.ts): proper motion and sigma as ratios to plain; table formats' rows/s
// Sizes can be lowered for a quick look: SKYJOIN_BENCH_ROWS, SKYJOIN_BENCH_PROBES.

import b from 'benny';
import { SkyIndex } from '../src/match/sky-index.js';
import { SCHEME_KINDS, schemeLabel, type SchemeKind } from '../src/match/scheme.js';
import { uniformSky } from '../src/sky/random.js';
import { percentile, report, type Row } from './lib/results.js';
import { runCoreExtras } from './core-extras.bench.js';

const ROWS = Number(process.env.SKYJOIN_BENCH_ROWS ?? 1e7);
const PROBES = Number(process.env.SKYJOIN_BENCH_PROBES ?? 1e6);
const RADIUS = 2;
const CONES = 200_000;

function coneLatency(index: SkyIndex, ra: Float64Array, dec: Float64Array): { p50: number; p99: number } {
  const out = new Uint32Array(1024);
  const n = Math.min(CONES, ra.length);
  const lat = new Float64Array(n);
  for (let i = 0; i < Math.min(n, 20_000); i++) index.coneInto(ra[i], dec[i], RADIUS, out); // warm-up
  let sink = 0;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    sink += index.coneInto(ra[i], dec[i], RADIUS, out);
    lat[i] = performance.now() - t;
  }
  lat.sort();
  if (sink < 0) console.log(sink);
  return { p50: percentile(lat, 50) * 1000, p99: percentile(lat, 99) * 1000 };
}

export async function runCore(kinds: readonly SchemeKind[] = SCHEME_KINDS): Promise<Row[]> {
  const cat = uniformSky(ROWS, 42);
  const probes = uniformSky(PROBES, 7);
  const rows: Row[] = [];
  let referencePairs = -1;
  for (const kind of kinds) {
    let index: SkyIndex = SkyIndex.build(cat.ra, cat.dec, kind, { radiusArcsec: RADIUS });
    const scheme = index.scheme;
    let pairs = 0;
    const summary = await b.suite(
      `${schemeLabel(scheme)}: build ${ROWS} rows, crossmatch ${PROBES} probes at ${RADIUS}"`,
      b.configure({ cases: { minSamples: 3, maxTime: 3 } }),
      b.add('build', () => {
        index = SkyIndex.build(cat.ra, cat.dec, scheme);
      }),
      b.add('crossmatch', () => {
        pairs = index.crossmatch(probes.ra, probes.dec, { radiusArcsec: RADIUS }).length;
      }),
      b.cycle(),
    );
    const median = (name: string): number => summary.results.find((r) => r.name === name)!.details.median;
    const cone = coneLatency(index, probes.ra, probes.dec);
    if (referencePairs < 0) referencePairs = pairs;
    rows.push({
      scheme: schemeLabel(scheme),
      'index bytes/row': +(index.byteLength / Math.max(1, ROWS)).toFixed(1),
      'build Mrows/s': +(ROWS / median('build') / 1e6).toFixed(2),
      'crossmatch Mprobes/s': +(PROBES / median('crossmatch') / 1e6).toFixed(2),
      'cone p50 µs': +cone.p50.toFixed(2),
      'cone p99 µs': +cone.p99.toFixed(2),
      pairs,
      'same pairs as first': pairs === referencePairs ? 'yes' : 'NO',
    });
  }
  report(
    'core',
    `Core: ${ROWS.toExponential(0)} catalog rows, ${PROBES.toExponential(0)} probes, r = ${RADIUS}", uniform sky, one core`,
    rows,
    { rows: ROWS, probes: PROBES, radiusArcsec: RADIUS },
  );
  await runCoreExtras(cat, probes);
  return rows;
}
