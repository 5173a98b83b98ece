// Catalogs on disk:
//   build: `catalog build` of the 1.87M-row Tycho-2 gzip CSV, end to end
//   open: time to open built catalogs of 10^3 .. 10^7 (10^8 with SKYJOIN_BENCH_BIG=1) rows
//   memory: resident memory after open, after 1000 cones, after a full crossmatch (child process)
//   sharing: two processes mapping the same file (Rss, Pss, Shared_Clean from smaps)
//   mapped vs in-memory: crossmatch 10^6 probes against 10^7 rows both ways
//   LMDB: batched upserts per second; cone latency at 10^6 rows
//
// SKYJOIN_BENCH_ONLY=lmdb runs the LMDB section alone and prints its table
// without touching bench/results (a quick check while tuning src/catalog/live.ts):
//   SKYJOIN_BENCH_ONLY=lmdb npm run bench -- catalog
//   SKYJOIN_BENCH_ONLY=lmdb npx tsx bench/run.ts catalog   (no build into dist/)

import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { open } from 'lmdb';
import { ArrowCatalog, writeArrowCatalog } from '../src/catalog/arrow-catalog.js';
import { buildCatalogFile } from '../src/catalog/build.js';
import { LiveCatalog } from '../src/catalog/live.js';
import { SkyIndex } from '../src/match/sky-index.js';
import { uniformSky } from '../src/sky/random.js';
import { percentile, report, table, timeBest, type Row } from './lib/results.js';

const DATA = path.resolve(process.env.SKYJOIN_SHARED_DATA ?? path.join(process.cwd(), '..', 'shared', 'data'));
const TMP = path.join(process.env.SKYJOIN_BENCH_TMP ?? os.tmpdir(), 'skyjoin-bench-catalog');
const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'lib', 'mapped-child.js');

async function makeCatalog(n: number): Promise<string> {
  const file = path.join(TMP, `uniform-${n}.arrow`);
  const sky = uniformSky(n, 42);
  await writeArrowCatalog(file, { name: `uniform-${n}`, ids: { name: 'id', type: 'int32', values: Int32Array.from({ length: n }, (_, i) => i) }, ra: sky.ra, dec: sky.dec, scheme: 'zones' });
  return file;
}

function runChild(file: string, mode: string, keepOpen = false): Promise<{ lines: Array<Record<string, number>>; kill: () => void }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, file, mode], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines: Array<Record<string, number>> = [];
    let buf = '';
    child.stdout.on('data', (c: Buffer) => {
      buf += c.toString();
      const parts = buf.split('\n');
      buf = parts.pop()!;
      for (const p of parts) lines.push(JSON.parse(p));
      if (keepOpen && lines.some((l) => (l as unknown as { step: string }).step === 'touched')) resolve({ lines, kill: () => child.stdin.end() });
    });
    child.on('error', reject);
    child.on('exit', () => resolve({ lines, kill: () => {} }));
  });
}

export async function runCatalog(): Promise<Row[]> {
  rmSync(TMP, { recursive: true, force: true });
  mkdirSync(TMP, { recursive: true });
  const rows: Row[] = [];
  if (process.env.SKYJOIN_BENCH_ONLY === 'lmdb') {
    await benchLive(rows);
    console.log(`\n${table(rows)}\n`);
    rmSync(TMP, { recursive: true, force: true });
    return rows;
  }

  // 1. catalog build of Tycho-2, end to end from gzip CSV.
  const tycho = path.join(DATA, 'catalogs', 'tycho2_astrometrynet_index4107.csv.gz');
  const out = path.join(TMP, 'tycho2.arrow');
  let built = { rows: 0 };
  const times: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    built = await buildCatalogFile({ input: tycho, output: out, name: 'tycho2', keep: ['vt_mag'] });
    times.push(performance.now() - t);
  }
  const best = Math.min(...times);
  rows.push({ measure: 'catalog build, Tycho-2 gzip CSV (1,871,010 rows), end to end', value: +(built.rows / best * 1000).toFixed(0), unit: 'rows/s', note: `${(best / 1000).toFixed(2)} s; target >= 1,000,000 rows/s` });

  // 2. open time by size.
  const sizes = [1e3, 1e5, 1e7, ...(process.env.SKYJOIN_BENCH_BIG ? [1e8] : [])];
  const files = new Map<number, string>();
  for (const n of sizes) {
    const file = await makeCatalog(n);
    files.set(n, file);
    // A fresh process per open: what a service or a stream worker pays at start.
    const opens: number[] = [];
    for (let r = 0; r < 7; r++) {
      const { lines } = await runChild(file, 'open');
      opens.push((lines.find((l) => (l as unknown as { step: string }).step === 'opened') as unknown as { openMs: number }).openMs);
    }
    opens.sort((a, b) => a - b);
    rows.push({ measure: `open a ${n.toExponential(0)}-row catalog (${(statSync(file).size / 2 ** 20).toFixed(0)} MiB)`, value: +opens[3].toFixed(2), unit: 'ms', note: `median of 7 fresh processes (min ${opens[0].toFixed(2)}); target < 20 ms at 1e7` });
  }

  // 3. resident memory in a fresh process.
  const f7 = files.get(1e7)!;
  const rss = (await runChild(f7, 'rss')).lines as unknown as Array<{ step: string; Rss: number; openMs?: number }>;
  const base = rss.find((l) => l.step === 'opened')!.Rss;
  for (const l of rss) rows.push({ measure: `resident memory, 1e7-row catalog: ${l.step}`, value: +l.Rss.toFixed(1), unit: 'MiB', note: l.step === 'opened' ? `file ${(statSync(f7).size / 2 ** 20).toFixed(0)} MiB` : `+${(l.Rss - base).toFixed(1)} MiB since open` });

  // 4. two processes share the mapped pages.
  const a = await runChild(f7, 'share', true);
  const b = await runChild(f7, 'share', true);
  const la = a.lines.at(-1) as unknown as { Rss: number; Pss: number; Shared_Clean: number };
  const lb = b.lines.at(-1) as unknown as { Rss: number; Pss: number; Shared_Clean: number };
  // Re-read the first process now that the second maps the same pages.
  rows.push({ measure: 'two processes touch every column of the 1e7 catalog: process A Rss / Pss / Shared_Clean', value: `${la.Rss.toFixed(0)} / ${la.Pss.toFixed(0)} / ${la.Shared_Clean.toFixed(0)}`, unit: 'MiB', note: 'read before B started' });
  rows.push({ measure: 'process B Rss / Pss / Shared_Clean', value: `${lb.Rss.toFixed(0)} / ${lb.Pss.toFixed(0)} / ${lb.Shared_Clean.toFixed(0)}`, unit: 'MiB', note: 'Pss ~ Rss - Shared/2: the file pages are counted once for both' });
  a.kill();
  b.kill();

  // 5. crossmatch from the mapped file vs the in-memory index.
  const sky = uniformSky(1e7, 42);
  const mem = SkyIndex.build(sky.ra, sky.dec, 'zones');
  const mapped = ArrowCatalog.open(f7).index;
  const probes = uniformSky(1e6, 7);
  const tMem = timeBest(() => mem.crossmatch(probes.ra, probes.dec, { radiusArcsec: 2 }), 5);
  const tMap = timeBest(() => mapped.crossmatch(probes.ra, probes.dec, { radiusArcsec: 2 }), 5);
  rows.push({ measure: 'crossmatch 1e6 probes x 1e7 rows, in-memory index', value: +(1e6 / tMem / 1000).toFixed(2), unit: 'M probes/s', note: `${tMem.toFixed(0)} ms` });
  rows.push({ measure: 'same, from the memory-mapped catalog file', value: +(1e6 / tMap / 1000).toFixed(2), unit: 'M probes/s', note: `${tMap.toFixed(0)} ms; mapped / in-memory time = ${(tMap / tMem).toFixed(3)} (target <= 1.2)` });

  await benchLive(rows);

  report('catalog', 'Catalogs on disk: build, open, memory, sharing, mapped crossmatch, LMDB', rows);
  if (!process.env.SKYJOIN_BENCH_KEEP) rmSync(TMP, { recursive: true, force: true });
  return rows;
}

// 6. LMDB live catalog: upserts in awaited transactions (each one committed and
// fsynced before the next starts, as the stream does), then cone latency.
async function benchLive(rows: Row[]): Promise<void> {
  const env = open({ path: path.join(TMP, 'lmdb'), maxDbs: 8 });
  const live = LiveCatalog.open(env, 'bench');
  const n = 1_000_000;
  const pts = uniformSky(n, 11);
  // Commit cost is per dirty page: larger transactions amortise it (random sky positions).
  for (const batch of [10_000, 100_000]) {
    let commitMs = 0;
    const t0 = performance.now();
    for (let s = 0; s < n; s += batch) {
      const rowsBatch = Array.from({ length: batch }, (_, k) => ({ id: s + k, ra: pts.ra[s + k], dec: pts.dec[s + k] }));
      let tWritten = 0;
      await env.transaction(() => {
        live.upsertManyInTxn(rowsBatch);
        tWritten = performance.now();
      });
      commitMs += performance.now() - tWritten;
    }
    const ms = performance.now() - t0;
    rows.push({
      measure: `LMDB upserts, ${n} rows in transactions of ${batch} (${batch === 10_000 ? 'inserts' : 're-keying moves'})`,
      value: +(n / (ms / 1000)).toFixed(0), unit: 'upserts/s',
      note: `commit (page writes + fsync) ${(100 * commitMs / ms).toFixed(0)}% of ${(ms / 1000).toFixed(1)} s; target >= 200,000`,
    });
    for (let i = 0; i < n; i++) pts.ra[i] = (pts.ra[i] + 0.001) % 360;
  }
  const q = uniformSky(20_000, 12);
  const ids = new Float64Array(64);
  for (let i = 0; i < 2000; i++) live.coneInto(q.ra[i], q.dec[i], 2, ids);
  const lat = new Float64Array(q.ra.length);
  for (let i = 0; i < q.ra.length; i++) {
    const t = performance.now();
    live.coneInto(q.ra[i], q.dec[i], 2, ids);
    lat[i] = (performance.now() - t) * 1000;
  }
  lat.sort();
  rows.push({ measure: 'LMDB cone search, 2" at 1e6 rows', value: +percentile(lat, 50).toFixed(2), unit: 'µs (p50)', note: `p99 ${percentile(lat, 99).toFixed(2)} µs; target < 20 µs` });
  await env.close();
}
