// The objects API under load (rows of `npm run bench -- service`):
//   GET /v1/objects/{id} and /v1/objects/{id}/lightcurve of ZTF21abiuvdk at a
//   fixed 200 requests/s while a writer commits to the same stream store;
//   cone GET /v1/objects?ra&dec&radius_arcsec=60 over a table of 10^6 objects,
//   at 200 requests/s, random positions. Goals: p99 < 20 ms and < 10 ms.
// The real alerts of ../shared/data are ingested first by a real `skyjoin
// stream` run; the table is then filled to SKYJOIN_BENCH_OBJECTS (default
// 10^6) uniform random objects. SKYJOIN_BENCH_SECONDS sets each run (default 10).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { uniformSky } from '../src/sky/random.js';
import { StreamStore, type ObjectRecord } from '../src/stream/store.js';
import type { Row } from './lib/results.js';

const ALERTS = path.resolve('..', 'shared', 'data', 'ztf', 'alerts');

async function started(child: ChildProcess): Promise<string> {
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (c) => reject(new Error(`serve exited ${c}: ${out}`)));
  });
}

async function fixedRate(base: string, pathOf: (i: number) => string, seconds: number): Promise<autocannon.Result> {
  let i = 0;
  return new Promise((resolve, reject) => {
    autocannon({
      url: base, connections: 16, overallRate: 200, duration: seconds,
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: pathOf(i++) }) }],
    }, (err, r) => (err ? reject(err) : resolve(r)));
  });
}

export async function runObjects(): Promise<Row[]> {
  const total = Number(process.env.SKYJOIN_BENCH_OBJECTS ?? 1_000_000);
  const seconds = Number(process.env.SKYJOIN_BENCH_SECONDS ?? 10);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'skyjoin-bench-objects-'));
  const rows: Row[] = [];
  const children: ChildProcess[] = [];
  try {
    const s = spawnSync(process.execPath, ['bin/skyjoin.js', 'stream', '--from', `file:${ALERTS}`, '--data', dataDir, '--no-annotate', '--no-watch'], { encoding: 'utf8' });
    if (s.status !== 0) throw new Error(`stream run failed: ${s.stderr}`);
    // Fill the object table (the stream's live catalog) to `total` rows.
    const store = StreamStore.at(dataDir);
    const have = store.objects.count();
    const sky = uniformSky(Math.max(0, total - have), 77);
    const t0 = performance.now();
    for (let s0 = 0; s0 < sky.ra.length; s0 += 50_000) {
      await store.env.transaction(() => {
        const batch = [];
        for (let i = s0; i < Math.min(sky.ra.length, s0 + 50_000); i++) {
          const id = store.objects.nextIdInTxn();
          const o: ObjectRecord = { id, aliases: [`ztf:FILL${id}`], nDetections: 1, firstMjd: 60000, lastMjd: 60000, sx: 0, sy: 0, sz: 0, ra: sky.ra[i], dec: sky.dec[i], latest: {}, surveys: ['ztf'] };
          batch.push({ id, ra: o.ra, dec: o.dec, data: o });
        }
        store.objects.upsertManyInTxn(batch);
      });
    }
    const fillS = (performance.now() - t0) / 1000;
    const objects = store.objects.count();
    const lcId = store.aliases.get('ztf:ZTF21abiuvdk')!;
    await store.close();

    const server = spawn(process.execPath, ['bin/skyjoin.js', 'serve', '--data', dataDir, '--port', '0'], { env: { ...process.env, SKYJOIN_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(server);
    const base = await started(server);
    const writer = spawn(process.execPath, ['dist/bench/lib/objects-writer.js', dataDir, '200'], { stdio: 'inherit' });
    children.push(writer);
    const note = (r: autocannon.Result, goal: number) => `p50 ${r.latency.p50} ms, p97.5 ${r.latency.p97_5} ms, max ${r.latency.max} ms; ${Math.round(r.requests.average)} req/s served, errors ${r.errors + r.non2xx}; goal p99 < ${goal} ms`;
    for (const [label, p] of [
      ['object JSON GET /v1/objects/{id} (ZTF21abiuvdk, 34 detections)', () => `/v1/objects/${lcId}`],
      ['light curve GET /v1/objects/{id}/lightcurve (ZTF21abiuvdk)', () => `/v1/objects/${lcId}/lightcurve`],
    ] as const) {
      await fixedRate(base, p, 2); // warm-up
      const r = await fixedRate(base, p, seconds);
      rows.push({ measure: `${label}, 200 req/s, writer committing 2,000 objects/s in the same store, ${seconds} s`, value: r.latency.p99, unit: 'ms p99', note: note(r, 20) });
    }
    writer.kill('SIGTERM');
    const probes = uniformSky(100_000, 78);
    const cone = (i: number) => `/v1/objects?ra=${probes.ra[i % 100_000]}&dec=${probes.dec[i % 100_000]}&radius_arcsec=60`;
    await fixedRate(base, cone, 2);
    const r = await fixedRate(base, cone, seconds);
    rows.push({ measure: `cone GET /v1/objects?ra&dec&radius_arcsec=60 over ${objects.toLocaleString('en')} objects, random positions, 200 req/s, ${seconds} s`, value: r.latency.p99, unit: 'ms p99', note: `${note(r, 10)}; table filled in ${fillS.toFixed(1)} s` });
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    rmSync(dataDir, { recursive: true, force: true });
  }
  return rows;
}
