// The core crossmatch with what astronomers add, as ratios to the plain
// match in the same run (same catalog, probes, index and radius):
//   proper motion: Tycho-2-like motions (log-normal around 15 mas/yr, a
//     tail to 10"/yr), probes 26 years after the catalog's epoch
//   sigma: per-source circular errors 0.05-0.5", --within-sigma 5, hard 2"
//   sigma + bayes: the same with the Bayes factor and posterior
// And table formats: rows/s to write and to read id, ra, dec, mag as CSV,
// Parquet, FITS and VOTable (TABLEDATA, BINARY2).
// Sizes: SKYJOIN_BENCH_ROWS, SKYJOIN_BENCH_PROBES (as core), SKYJOIN_BENCH_IO_ROWS.

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readCatalogCsv } from '../src/catalog/csv.js';
import { readParquetTable } from '../src/catalog/parquet.js';
import { readTablePositions } from '../src/catalog/positions.js';
import { writeTableFile, type TableFormat } from '../src/catalog/table-formats.js';
import type { ColumnTable } from '../src/catalog/table.js';
import { DensityMap } from '../src/match/density.js';
import { RowMotion } from '../src/match/motion.js';
import { SkyIndex } from '../src/match/sky-index.js';
import { crossmatchUncertain } from '../src/match/uncertain-match.js';
import { seededRandom, uniformSky, type RaDec } from '../src/sky/random.js';
import { report, timeBest, type Row } from './lib/results.js';

const RADIUS = 2;

/** Tycho-2-like proper motions (mas/yr): log-normal magnitudes, median 15, capped at 10"/yr. */
function tychoLikeMotions(n: number, seed: number): { pmra: Float64Array; pmdec: Float64Array } {
  const r = seededRandom(seed);
  const pmra = new Float64Array(n), pmdec = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const g = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    const mu = Math.min(10_000, 15 * Math.exp(1.1 * g));
    const t = 2 * Math.PI * r();
    pmra[i] = mu * Math.cos(t);
    pmdec[i] = mu * Math.sin(t);
  }
  return { pmra, pmdec };
}

export function runMotionSigma(cat: RaDec, probes: RaDec): Row[] {
  // Row ids on: the index reports input rows, the order the motions are prepared in.
  const sorted = SkyIndex.build(cat.ra, cat.dec, 'zones', { radiusArcsec: RADIUS, rowIds: true });
  const n = cat.ra.length;
  const sra = cat.ra, sdec = cat.dec;
  const pm = tychoLikeMotions(n, 11);
  const motion = RowMotion.prepare(sra, sdec, { pmRaMasYr: pm.pmra, pmDecMasYr: pm.pmdec, refEpochYear: 2000 });
  const r = seededRandom(12);
  const sigma = Float64Array.from({ length: probes.ra.length }, () => 0.05 + 0.45 * r());
  const density = DensityMap.build(sra, sdec);
  let pairs = 0;
  const ms = {
    plain: timeBest(() => { pairs = sorted.crossmatch(probes.ra, probes.dec, { radiusArcsec: RADIUS }).length; }),
    motion: timeBest(() => { pairs = sorted.crossmatch(probes.ra, probes.dec, { radiusArcsec: RADIUS, motion, epochYear: 2026 }).length; }),
    sigma: timeBest(() => {
      pairs = crossmatchUncertain(sorted, probes.ra, probes.dec, { radiusArcsec: RADIUS, withinSigma: 5, sourceErrors: { sigmaArcsec: sigma }, catalogRa: sra, catalogDec: sdec }).length;
    }),
    bayes: timeBest(() => {
      pairs = crossmatchUncertain(sorted, probes.ra, probes.dec, {
        radiusArcsec: RADIUS, withinSigma: 5, sourceErrors: { sigmaArcsec: sigma }, catalogRa: sra, catalogDec: sdec, bayes: { density },
      }).length;
    }),
  };
  if (pairs < 0) console.log(pairs);
  const row = (name: string, t: number): Row => ({
    case: name, 'Mprobes/s': +(probes.ra.length / t / 1e3).toFixed(3), 'time / plain': +(t / ms.plain).toFixed(2),
  });
  return [
    row('plain, r = 2"', ms.plain),
    row(`proper motion, 26 yr (${motion.fastRows.length} fast rows apart, rest <= ${(motion.slowMaxMuRadYr / (Math.PI / 648e6)).toFixed(0)} mas/yr)`, ms.motion),
    row('per-source sigma, --within-sigma 5', ms.sigma),
    row('per-source sigma, --within-sigma 5 --bayes', ms.bayes),
  ];
}

export async function runFormats(rows: number): Promise<Row[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'skyjoin-bench-io-'));
  try {
    const sky = uniformSky(rows, 21);
    const r = seededRandom(22);
    const table: ColumnTable = {
      length: rows,
      columns: [
        { name: 'id', type: 'utf8', values: Array.from({ length: rows }, (_, i) => String(1_000_000_000_000_000n + BigInt(i))) },
        { name: 'ra', type: 'float64', values: sky.ra },
        { name: 'dec', type: 'float64', values: sky.dec },
        { name: 'mag', type: 'float64', values: Float64Array.from({ length: rows }, () => 8 + 10 * r()) },
      ],
    };
    const out: Row[] = [];
    const cases: Array<[string, TableFormat, string, (f: string) => Promise<unknown>]> = [
      ['CSV', 'csv', 'csv', (f) => readCatalogCsv(f, { keep: ['mag'], threads: 1 })],
      ['Parquet', 'parquet', 'parquet', (f) => readParquetTable(f, { keep: ['mag'] })],
      ['FITS', 'fits', 'fits', (f) => readTablePositions('fits', f, { keep: ['mag'] })],
      ['VOTable TABLEDATA', 'vot', 'vot', (f) => readTablePositions('votable', f, { keep: ['mag'] })],
      ['VOTable BINARY2', 'vot-binary2', 'b2.vot', (f) => readTablePositions('votable', f, { keep: ['mag'] })],
    ];
    for (const [name, format, ext, read] of cases) {
      const f = path.join(dir, `t.${ext}`);
      const meta = { integerColumns: ['id'] };
      await writeTableFile(f, table, format, meta); // warm-up (loads the writer)
      const t0 = performance.now();
      await writeTableFile(f, table, format, meta);
      const w = performance.now() - t0;
      let best = Infinity;
      for (let k = 0; k < 2; k++) {
        const t = performance.now();
        await read(f);
        best = Math.min(best, performance.now() - t);
      }
      out.push({ format: name, 'write Mrows/s': +(rows / w / 1e3).toFixed(3), 'read Mrows/s': +(rows / best / 1e3).toFixed(3), 'bytes/row': +(statSync(f).size / rows).toFixed(1) });
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runCoreExtras(cat: RaDec, probes: RaDec): Promise<void> {
  const ms = runMotionSigma(cat, probes);
  report('core-motion-sigma', `Core extras: ${cat.ra.length.toExponential(0)} catalog rows, ${probes.ra.length.toExponential(0)} probes, r = 2", zones, one core: ratios to plain in the same run`, ms,
    { rows: cat.ra.length, probes: probes.ra.length, radiusArcsec: RADIUS });
  const ioRows = Number(process.env.SKYJOIN_BENCH_IO_ROWS ?? 1e6);
  const io = await runFormats(ioRows);
  report('core-formats', `Table formats: ${ioRows.toExponential(0)} rows of id (19 digits), ra, dec, mag; write and read (id, ra, dec, mag kept), one core`, io, { rows: ioRows });
}
