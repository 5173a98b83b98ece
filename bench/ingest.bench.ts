// Catalog ingest: rows/s reading the 1.87M-row Tycho-2 gzip CSV (gunzip
// included), the same file unzipped, and writing / reading it as Parquet.
// Run: `npx tsx bench/ingest.bench.ts`; results in bench/results/ingest.json.
// CPU time counts every thread of the process: Node's gunzip runs on a
// thread-pool thread beside the parser, so cpu/wall > 1 means two cores helped.

import { createReadStream, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createGunzip, gunzipSync } from 'node:zlib';
import { readCatalogCsv } from '../src/catalog/csv.js';
import { readParquetTable, writeParquetTable, type ParquetCodec } from '../src/catalog/parquet.js';
import type { ColumnTable } from '../src/catalog/table.js';
import { report, type Row } from './lib/results.js';

const DATA = path.resolve(process.env.SKYJOIN_SHARED_DATA ?? path.join(process.cwd(), '..', 'shared', 'data'));
const TYCHO = path.join(DATA, 'catalogs', 'tycho2_astrometrynet_index4107.csv.gz');
const TMP = path.join(process.env.SKYJOIN_BENCH_TMP ?? os.tmpdir(), 'skyjoin-bench-ingest');
const RUNS = 3;

interface Timing { wallMs: number; cpuMs: number }

/** Best wall time of RUNS runs (after one warm-up), with the CPU time of that run. */
async function best(fn: () => unknown): Promise<Timing> {
  await fn();
  let out: Timing = { wallMs: Infinity, cpuMs: 0 };
  for (let r = 0; r < RUNS; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    const wallMs = performance.now() - t0;
    const c = process.cpuUsage(c0);
    if (wallMs < out.wallMs) out = { wallMs, cpuMs: (c.user + c.system) / 1000 };
  }
  return out;
}

function row(measure: string, rows: number, t: Timing, note = ''): Row {
  return {
    measure,
    value: Math.round(rows / t.wallMs * 1000),
    unit: 'rows/s',
    wall_s: +(t.wallMs / 1000).toFixed(3),
    cpu_s: +(t.cpuMs / 1000).toFixed(3),
    note,
  };
}

async function gunzipOnly(file: string): Promise<number> {
  let n = 0;
  for await (const c of createReadStream(file, { highWaterMark: 1 << 20 }).pipe(createGunzip({ chunkSize: 1 << 20 }))) n += (c as Buffer).length;
  return n;
}

export async function runIngest(): Promise<Row[]> {
  rmSync(TMP, { recursive: true, force: true });
  mkdirSync(TMP, { recursive: true });
  const rows: Row[] = [];
  const plain = path.join(TMP, 'tycho2.csv');
  writeFileSync(plain, gunzipSync(readFileSync(TYCHO)));
  const mib = (f: string) => `${(statSync(f).size / 2 ** 20).toFixed(1)} MiB`;

  let n = 0;
  const g = await best(() => gunzipOnly(TYCHO));
  n = (await readCatalogCsv(TYCHO)).rows;
  rows.push(row('gunzip alone (stream, no parsing), for reference', n, g, `${mib(TYCHO)} -> ${mib(plain)}`));
  rows.push(row('CSV.gz read: id, ra, dec', n, await best(() => readCatalogCsv(TYCHO)), 'target >= 1,000,000 rows/s'));
  rows.push(row('CSV.gz read: id, ra, dec + keep vt_mag', n, await best(() => readCatalogCsv(TYCHO, { keep: ['vt_mag'] }))));
  rows.push(row('CSV read (unzipped file): id, ra, dec + keep vt_mag', n, await best(() => readCatalogCsv(plain, { keep: ['vt_mag'] }))));

  const t = await readCatalogCsv(TYCHO, { keep: ['vt_mag'] });
  const table: ColumnTable = {
    length: t.rows,
    columns: [
      { name: 'id', type: 'utf8', values: t.ids.toArray() },
      { name: 'ra', type: 'float64', values: t.ra },
      { name: 'dec', type: 'float64', values: t.dec },
      ...t.extra.columns,
    ],
  };
  const codecs: ParquetCodec[] = ['SNAPPY', 'UNCOMPRESSED', 'GZIP'];
  for (const codec of codecs) {
    const file = path.join(TMP, `tycho2-${codec.toLowerCase()}.parquet`);
    const w = await best(() => writeParquetTable(file, table, {}, { codec }));
    rows.push(row(`Parquet write (${codec}): id, ra, dec, vt_mag`, n, w, mib(file)));
    const r = await best(() => readParquetTable(file, { keep: ['vt_mag'] }));
    rows.push(row(`Parquet read (${codec}): id, ra, dec + keep vt_mag`, n, r));
  }
  report('ingest', `Catalog ingest: Tycho-2 (${n.toLocaleString('en-US')} rows), best of ${RUNS}`, rows);
  rmSync(TMP, { recursive: true, force: true });
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runIngest();
