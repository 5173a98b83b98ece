// The service against a real listening server (a child process: one core for
// the server, the other for the load generator):
//   per-request overhead: a cone search that finds nothing beside a bare
//     Fastify route returning a small JSON object (bench/lib/bare-fastify.ts),
//     autocannon 64 connections, in back-to-back pairs; goal >= 0.7x.
//     Each server's CPU per request (from /proc) is given too: it moves less
//     than requests/s when other work shares the machine.
//   cone: autocannon, 10 s, 64 connections, random 60" cones on GCVS (59,099 rows)
//   upload 10^6 sources and fetch all their matches, as Arrow and as CSV, end to end
//   watch-list check of 10,000 positions against 10^6 targets
// The server logs at warn level during the run (request logging is a cost of its own).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as A from 'apache-arrow';
import autocannon from 'autocannon';
import { open } from 'lmdb';
import { KeyStore } from '../src/service/keys.js';
import { uniformSky } from '../src/sky/random.js';
import { percentile, report, table, type Row } from './lib/results.js';
import { runObjects } from './objects.bench.js';

const PORT = 18000 + Math.floor(Math.random() * 1000);
const BASE = `http://127.0.0.1:${PORT}`;
const BARE = `http://127.0.0.1:${PORT + 1}`;

async function startChild(args: string[], health: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { env: { ...process.env, SKYJOIN_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(health)).ok) return child;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(`${args.join(' ')} did not start`);
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** autocannon, 64 connections, on paths made by `path(i)`; also the server's CPU per request. */
async function load(base: string, path: (i: number) => string, seconds: number, pid: number): Promise<{ res: autocannon.Result; cpuUsPerRequest: number }> {
  let i = 0;
  const cpu0 = cpuSeconds(pid);
  const res = await new Promise<autocannon.Result>((resolve, reject) => {
    autocannon({
      url: base, connections: 64, duration: seconds, pipelining: 1,
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: path(i++) }) }],
    }, (err, r) => (err ? reject(err) : resolve(r)));
  });
  return { res, cpuUsPerRequest: ((cpuSeconds(pid) - cpu0) * 1e6) / Math.max(1, res.requests.total) };
}

const sky = uniformSky(100_000, 3);
const conePath = (radius: number) => (i: number) => {
  const k = i % sky.ra.length;
  return `/v1/catalogs/gcvs/cone?ra=${sky.ra[k].toFixed(5)}&dec=${sky.dec[k].toFixed(5)}&radius_arcsec=${radius}`;
};

/**
 * The empty cone beside bare Fastify: after a warm-up, 5 pairs of 5 s runs,
 * bare then cone, back to back; the ratio of each pair (both under the same
 * load from whatever else runs on the machine), and its median.
 */
async function overhead(server: ChildProcess, bare: ChildProcess): Promise<Row[]> {
  const empty = conePath(0.001); // GCVS has ~1.4 rows per square degree: 0.001" finds nothing
  await load(BARE, () => '/bare', 3, bare.pid!);
  await load(BASE, empty, 3, server.pid!);
  const pairs: Array<{ bare: Awaited<ReturnType<typeof load>>; cone: Awaited<ReturnType<typeof load>> }> = [];
  for (let round = 0; round < 5; round++) {
    pairs.push({ bare: await load(BARE, () => '/bare', 5, bare.pid!), cone: await load(BASE, empty, 5, server.pid!) });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const rate = (k: 'bare' | 'cone') => median(pairs.map((p) => p[k].res.requests.average));
  const cpu = (k: 'bare' | 'cone') => median(pairs.map((p) => p[k].cpuUsPerRequest));
  const note = (k: 'bare' | 'cone') => `${pairs.map((p) => Math.round(p[k].res.requests.average)).join(', ')} req/s; p99 ${pairs.map((p) => p[k].res.latency.p99).join(', ')} ms; server CPU ${cpu(k).toFixed(1)} µs/request (median); errors ${pairs.reduce((a, p) => a + p[k].res.errors + p[k].res.non2xx, 0)}`;
  const ratios = pairs.map((p) => p.cone.res.requests.average / p.bare.res.requests.average);
  return [
    { measure: 'bare Fastify route returning a small JSON object, 64 connections, 5 x 5 s', value: Math.round(rate('bare')), unit: 'requests/s (median)', note: note('bare') },
    { measure: 'cone search that finds nothing (GCVS, 0.001"), same run, 64 connections, 5 x 5 s', value: Math.round(rate('cone')), unit: 'requests/s (median)', note: note('cone') },
    { measure: 'empty cone / bare Fastify, requests/s of back-to-back runs', value: +median(ratios).toFixed(2), unit: 'ratio (median)', note: `goal >= 0.7; pairs ${ratios.map((r) => r.toFixed(2)).join(', ')}; server CPU per request, bare / cone: ${(cpu('bare') / cpu('cone')).toFixed(2)}` },
  ];
}

export async function runService(): Promise<Row[]> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'skyjoin-bench-service-'));
  const rows: Row[] = [];
  if (process.env.SKYJOIN_BENCH_ONLY === 'objects') { // the objects rows alone, printed, bench/results untouched
    rmSync(dataDir, { recursive: true, force: true });
    const objectRows = await runObjects();
    console.log(table(objectRows));
    return objectRows;
  }
  const server = await startChild(['bin/skyjoin.js', 'serve', '--data', dataDir, '--port', String(PORT)], `${BASE}/healthz`);
  const bare = await startChild(['dist/bench/lib/bare-fastify.js', String(PORT + 1)], `${BARE}/bare`);
  try {
    rows.push(...await overhead(server, bare));
    bare.kill('SIGTERM');
    if (process.env.SKYJOIN_BENCH_ONLY === 'overhead') { // this part alone, printed, bench/results untouched
      console.log(table(rows));
      return rows;
    }
    await load(BASE, conePath(60), 10, server.pid!); // warm-up run
    const { res } = await load(BASE, conePath(60), 10, server.pid!);
    rows.push({ measure: 'cone search GET /v1/catalogs/gcvs/cone (60", random positions), 64 connections, 10 s', value: Math.round(res.requests.average), unit: 'requests/s', note: `p50 ${res.latency.p50} ms, p99 ${res.latency.p99} ms, errors ${res.errors + res.non2xx}; target >= 15,000 req/s, p99 < 5 ms` });

    // Upload 10^6 sources and fetch all their matches.
    // Half the sources on GCVS stars (jittered by < 1"), half anywhere: ~500,000 matches.
    const n = 1_000_000;
    const sources = uniformSky(n, 5);
    const gcvs = await (await fetch(`${BASE}/v1/catalogs/gcvs/cone?ra=0&dec=0&radius_arcsec=648000&limit=100000`)).json() as { rows: Array<{ ra: number; dec: number }> };
    for (let i = 0; i < n; i += 2) {
      const s = gcvs.rows[(i >> 1) % gcvs.rows.length];
      sources.ra[i] = (s.ra + 1e-4) % 360;
      sources.dec[i] = s.dec;
    }
    const ids = Array.from({ length: n }, (_, i) => `s${i}`);
    const arrowBody = Buffer.from(A.tableToIPC(new A.Table({ id: A.vectorFromArray(ids, new A.Utf8()), ra: A.makeVector(sources.ra), dec: A.makeVector(sources.dec) }), 'stream'));
    const csvBody = `id,ra,dec\n${ids.map((id, i) => `${id},${sources.ra[i]},${sources.dec[i]}`).join('\n')}\n`;
    for (const [label, type, body, accept] of [
      ['Arrow', 'application/vnd.apache.arrow.stream', arrowBody, 'application/vnd.apache.arrow.stream'],
      ['CSV', 'text/csv', csvBody, 'text/csv'],
    ] as const) {
      const times: number[] = [];
      let matches = 0;
      for (let r = 0; r < 3; r++) {
        const t = performance.now();
        const up = await (await fetch(`${BASE}/v1/sources`, { method: 'POST', headers: { 'content-type': type }, body })).json() as { id: string };
        const got = await fetch(`${BASE}/v1/sources/${up.id}/matches?catalog=gcvs&radius_arcsec=10`, { headers: { accept } });
        const bytes = new Uint8Array(await got.arrayBuffer());
        times.push(performance.now() - t);
        matches = label === 'Arrow' ? A.tableFromIPC(bytes).numRows : new TextDecoder().decode(bytes).split('\n').length - 2;
      }
      const best = Math.min(...times);
      rows.push({ measure: `upload 1e6 sources and fetch all matches (GCVS, 10"), ${label} both ways, end to end`, value: +(best / 1000).toFixed(2), unit: 's', note: `${matches} matches; best of 3; target < ${label === 'Arrow' ? 3 : 6} s` });
    }

    // Watch-list check: 10^4 positions against 10^6 targets.
    const env = open({ path: path.join(dataDir, 'store'), maxDbs: 64 });
    const key = (await new KeyStore(env).create('bench')).key;
    await env.close();
    const auth = { authorization: `Bearer ${key}` };
    const wl = await (await fetch(`${BASE}/v1/watchlists`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench', default_radius_arcsec: 2 }) })).json() as { id: string };
    const targets = uniformSky(1_000_000, 9);
    const tUp = performance.now();
    for (let s = 0; s < targets.ra.length; s += 250_000) {
      const lines = ['name,ra,dec'];
      for (let i = s; i < s + 250_000; i++) lines.push(`t${i},${targets.ra[i]},${targets.dec[i]}`);
      const r = await fetch(`${BASE}/v1/watchlists/${wl.id}/targets`, { method: 'POST', headers: { ...auth, 'content-type': 'text/csv' }, body: lines.join('\n') });
      if (!r.ok) throw new Error(await r.text());
    }
    rows.push({ measure: 'add 1e6 watch-list targets (4 CSV requests of 250,000)', value: +((performance.now() - tUp) / 1000).toFixed(2), unit: 's', note: `${(1e6 / ((performance.now() - tUp) / 1000)).toFixed(0)} targets/s` });
    const probes = uniformSky(10_000, 10);
    const positions = JSON.stringify(Array.from({ length: 10_000 }, (_, i) => (i % 10 === 0
      ? { id: `p${i}`, ra: targets.ra[i], dec: targets.dec[i] }
      : { id: `p${i}`, ra: probes.ra[i], dec: probes.dec[i] })));
    const lat: number[] = [];
    let hits = 0;
    for (let r = 0; r < 7; r++) {
      const t = performance.now();
      const res = await fetch(`${BASE}/v1/watchlists/${wl.id}/check`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: positions });
      hits = ((await res.json()) as { hits: unknown[] }).hits.length;
      lat.push(performance.now() - t);
    }
    lat.sort((a, b) => a - b);
    rows.push({ measure: 'watch-list check, 10,000 positions vs 1e6 targets, over HTTP', value: +percentile(lat, 50).toFixed(1), unit: 'ms (median of 7)', note: `${hits} hits; min ${lat[0].toFixed(1)} ms; target < 100 ms` });
    rows.push(...await runObjects());
  } finally {
    bare.kill('SIGTERM');
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
  report('service', 'Service: real server on loopback (one core), load from a second process', rows);
  return rows;
}
