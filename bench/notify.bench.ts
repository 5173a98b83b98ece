// Notifications (issue 17 figures). Run: `npm run bench -- notify`.
//   delivery: notifications/s the delivery worker sends to a local webhook
//     receiver (its own process, loopback, keep-alive), digests off, signed;
//     with 1 subscription (one request in flight: the per-subscription
//     ceiling) and with 16 on one stream.
//   broker: `skyjoin stream` (the built CLI) on real ZTF alerts multiplied on
//     the sky (fresh ids) read from files, alerts/s from the first message to
//     the last batch stored, in the same run: with no subscription; with 100
//     subscriptions of a watch list hit by ~1% of the alerts (98 to a fast
//     receiver, one to a receiver taking 10 s per request, one to a port where
//     nothing listens) and the worker inside the stream (its own thread); and
//     with the worker as `skyjoin notify` beside it.
// SKYJOIN_BENCH_NOTIFY_COPIES (default 9) sets the copies of each alert;
// SKYJOIN_BENCH_NOTIFY_MESSAGES (default 2000) the messages of the delivery rows;
// SKYJOIN_BENCH_NOTIFY_ROUNDS (default 3) the rounds of the three broker runs.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { open } from 'lmdb';
import { resolveNotifyConfig } from '../src/notify/config.js';
import { Outbox } from '../src/notify/outbox.js';
import { settleReads } from '../src/notify/runtime.js';
import { SubscriptionStore } from '../src/notify/subscriptions.js';
import { DeliveryWorker } from '../src/notify/worker.js';
import { buildApp } from '../src/service/app.js';
import type { ServiceContext } from '../src/service/context.js';
import { KeyStore } from '../src/service/keys.js';
import { AlertDecoder } from '../src/stream/decoding/decoder.js';
import { alertCopies } from '../src/stream/replay/multiply.js';
import { alertUnits } from '../src/stream/replay/units.js';
import { fileBatches } from '../src/stream/sources/file.js';
import { StreamStore } from '../src/stream/store.js';
import { report, type Row } from './lib/results.js';

const DATA = path.resolve(process.env.SKYJOIN_SHARED_DATA ?? path.join(process.cwd(), '..', 'shared', 'data'));
const ZTF = path.join(DATA, 'ztf', 'alerts');
const TMP = path.join(process.env.SKYJOIN_BENCH_TMP ?? os.tmpdir(), 'skyjoin-bench-notify');
const BIN = path.resolve('bin', 'skyjoin.js');
const COPIES = Number(process.env.SKYJOIN_BENCH_NOTIFY_COPIES ?? 9);
const MESSAGES = Number(process.env.SKYJOIN_BENCH_NOTIFY_MESSAGES ?? 2000);
const ROUNDS = Number(process.env.SKYJOIN_BENCH_NOTIFY_ROUNDS ?? 3);

interface Receiver { url: string; child: ChildProcess; count(): Promise<number> }

async function receiver(delayMs: number): Promise<Receiver> {
  const child = spawn(process.execPath, [path.resolve('dist/bench/lib/receiver-child.js'), String(delayMs)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let wake: (() => void) | null = null;
  child.stdout.setEncoding('utf8').on('data', (d: string) => { lines.push(...d.trim().split('\n')); wake?.(); });
  const next = async (): Promise<string> => {
    while (lines.length === 0) await new Promise<void>((r) => { wake = r; });
    return lines.shift()!;
  };
  const port = await next();
  return { url: `http://127.0.0.1:${port}/hook`, child, count: async () => { child.stdin!.write('count\n'); return Number(await next()); } };
}

async function deliveryRate(subsCount: number, target: Receiver): Promise<Row> {
  const dir = path.join(TMP, `delivery-${subsCount}`);
  rmSync(dir, { recursive: true, force: true });
  const streamEnv = open({ path: path.join(dir, 'stream'), maxDbs: 32 });
  const sharedEnv = open({ path: path.join(dir, 'store'), maxDbs: 64 });
  const subs = new SubscriptionStore(sharedEnv);
  const outbox = new Outbox(streamEnv, { subscribed: () => subs.streamNames() });
  for (let i = 0; i < subsCount; i++) await subs.create('bench', { name: `s${i}`, stream: 'objects', channel: { type: 'webhook', url: target.url, secret: 'whsec_bench' }, digest: null, rateLimit: null, quietHours: null });
  await new Promise((r) => setTimeout(r, 5));
  await streamEnv.transaction(() => {
    outbox.enqueueInTxn('objects', Array.from({ length: MESSAGES }, (_, i) => ({ key: String(i), value: { object_id: String(i), alert_id: String(1e15 + i), ra: 10 + i * 1e-4, dec: 20, mag: 18.5, band: 'r', survey: 'ztf' } })));
  });
  const before = await target.count();
  const worker = new DeliveryWorker({ outbox, subscriptions: subs, config: resolveNotifyConfig({ allowNetworks: ['loopback'] }, dir), tickMs: 20 });
  const want = MESSAGES * subsCount;
  const t0 = performance.now();
  worker.start();
  while (worker.counters.notifications < want) await new Promise((r) => setTimeout(r, 10));
  const s = (performance.now() - t0) / 1000;
  await worker.stop();
  const got = (await target.count()) - before;
  await settleReads();
  await streamEnv.close();
  await sharedEnv.close();
  return { measure: `delivery: ${subsCount} webhook subscription${subsCount > 1 ? 's' : ''} on one stream, digests off, signed`, value: Math.round(want / s), unit: 'notifications/s', n: want, seconds: Number(s.toFixed(2)), note: `goal >= 5,000/s; receiver counted ${got}` };
}

/** Real ZTF alerts, COPIES copies each on a grid (fresh ids), cutouts stripped, as .avro files. */
async function alertFiles(): Promise<{ dir: string; count: number; positions: Array<[number, number]> }> {
  const dir = path.join(TMP, 'alerts');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const decoder = new AlertDecoder();
  let count = 0;
  const positions: Array<[number, number]> = [];
  for (const batch of fileBatches(ZTF, 1000)) {
    for (const m of batch) {
      for (const unit of await alertUnits(m.value, decoder, { stripCutouts: true })) {
        for (const c of alertCopies(unit, COPIES)) {
          writeFileSync(path.join(dir, `${String(count++).padStart(7, '0')}.avro`), c.value);
          positions.push([c.ra, c.dec]);
        }
      }
    }
  }
  return { dir, count, positions };
}

async function streamRun(label: string, alerts: string, data: string, config: string, extra: string[]): Promise<{ rate: number; n: number; s: number; mainUs: number; notify: Record<string, unknown> }> {
  const args = [BIN, 'stream', '--from', `file:${alerts}`, '--data', data, '--config', config, '--no-annotate', '--no-cutouts', '--no-parquet', ...extra];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stdout.on('data', (c: Buffer) => { out += c; });
  child.stderr.on('data', (c: Buffer) => { err += c; });
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`${label}: skyjoin stream exited ${code}: ${err.slice(-2000)}`);
  const r = JSON.parse(out) as { run: { firstMessageAt: number; lastStoredAt: number; messages: number; cpuMs: { mainThreadMs: number | null } }; notify?: Record<string, unknown> };
  const s = (r.run.lastStoredAt - r.run.firstMessageAt) / 1000;
  return { rate: r.run.messages / s, n: r.run.messages, s, mainUs: ((r.run.cpuMs.mainThreadMs ?? NaN) * 1000) / r.run.messages, notify: r.notify ?? {} };
}

/** The watch list (same targets in every run) and, when receivers are given, its 100 subscriptions. */
async function prepare(data: string, positions: Array<[number, number]>, rx: { fast: Receiver; slow: Receiver; dead: string } | null): Promise<void> {
  await StreamStore.at(data).close(); // the stream store exists before `skyjoin notify` starts beside the stream
  const app = await buildApp({ dataDir: data, notify: { allowNetworks: ['loopback'] } });
  try {
    const key = (await new KeyStore((app as unknown as { skyjoin: ServiceContext }).skyjoin.env).create('bench')).key;
    const post = async (url: string, payload: unknown) => {
      const r = await app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${key}` }, payload: payload as object });
      if (r.statusCode >= 300) throw new Error(`${url}: ${r.body}`);
      return JSON.parse(r.body);
    };
    // Targets on every 100th alert position: about 1% of the alerts hit the list, and each hit goes to 100 subscriptions.
    const targets = positions.filter((_, i) => i % 100 === 0).map(([ra, dec], i) => ({ name: `t${i}`, ra, dec, radius_arcsec: 1 }));
    const wl = (await post('/v1/watchlists', { name: 'bench', targets })).id;
    if (!rx) return;
    const { fast, slow, dead } = rx;
    for (let i = 0; i < 98; i++) await post('/v1/subscriptions', { name: `fast ${i}`, stream: `watchlist-${wl}`, channel: { type: 'webhook', url: fast.url } });
    await post('/v1/subscriptions', { name: 'slow', stream: `watchlist-${wl}`, channel: { type: 'webhook', url: slow.url } });
    await post('/v1/subscriptions', { name: 'dead', stream: `watchlist-${wl}`, channel: { type: 'webhook', url: dead } });
  } finally {
    await app.close();
  }
}

export async function runNotify(): Promise<void> {
  rmSync(TMP, { recursive: true, force: true });
  mkdirSync(TMP, { recursive: true });
  const fast = await receiver(0);
  const slow = await receiver(10_000);
  const deadRx = await receiver(0);
  const dead = deadRx.url;
  deadRx.child.kill('SIGKILL'); // a port where nothing listens any more
  const rows: Row[] = [];
  try {
    rows.push(await deliveryRate(1, fast));
    rows.push(await deliveryRate(16, fast));
    rows.push(await deliveryRate(64, fast));

    const { dir: alerts, count, positions } = await alertFiles();
    const config = path.join(TMP, 'config.json');
    writeFileSync(config, JSON.stringify({ notify: { allowNetworks: ['loopback'], timeoutSeconds: 10 } }));
    // Back-to-back rounds of the three runs, a fresh data folder each: load
    // from other work on the machine hits every side alike; medians reported.
    const kinds = [
      { id: 'none', label: 'no subscription (the same watch list)', extra: [] as string[], subs: false, separate: false },
      { id: 'inside', label: '100 subscriptions (98 fast, 1 slow 10 s/request, 1 dead), worker inside the stream', extra: [], subs: true, separate: false },
      { id: 'separate', label: '100 subscriptions (98 fast, 1 slow, 1 dead), worker as skyjoin notify beside it', extra: ['--no-notify-worker'], subs: true, separate: true },
    ];
    const rates: Record<string, number[]> = { none: [], inside: [], separate: [] };
    // CPU of the stream's main thread per alert: what the stream itself spends, much steadier than wall time on a shared machine.
    const cpu: Record<string, number[]> = { none: [], inside: [], separate: [] };
    const ratios: Record<string, number[]> = { inside: [], separate: [] };
    const info: Record<string, string> = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const k of kinds) {
        const data = path.join(TMP, `${k.id}-${round}`);
        await prepare(data, positions, k.subs ? { fast, slow, dead } : null);
        const before = await fast.count();
        const worker = k.separate ? spawn(process.execPath, [BIN, 'notify', '--data', data, '--config', config], { stdio: ['ignore', 'ignore', 'ignore'] }) : null;
        const run = await streamRun(k.id, alerts, data, config, k.extra);
        worker?.kill('SIGTERM');
        rates[k.id].push(run.rate);
        cpu[k.id].push(run.mainUs);
        if (k.subs) info[k.id] = `${run.notify.queued ?? '?'} hits queued (x 100 subscriptions); the fast receiver got ${(await fast.count()) - before} notifications during the run`;
        rmSync(data, { recursive: true, force: true });
      }
      const none = rates.none[round];
      ratios.inside.push(rates.inside[round] / none);
      ratios.separate.push(rates.separate[round] / none);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    for (const k of kinds) {
      const ratio = k.id === 'none' ? null : median(ratios[k.id]);
      rows.push({
        measure: `broker: skyjoin stream, ${count} alerts (${COPIES} copies of each real ZTF alert) from files, ${k.label}`,
        value: Math.round(median(rates[k.id])), unit: 'alerts/s (median)', n: count, seconds: '',
        note: `${ROUNDS} rounds: ${rates[k.id].map((r) => Math.round(r)).join(', ')}${ratio === null ? '' : `; median of per-round ratios to no subscription ${(ratio * 100).toFixed(1)}% (goal >= 95%); ${info[k.id]}`}` +
          `; stream main-thread CPU per alert ${Math.round(median(cpu[k.id]))} µs (rounds ${cpu[k.id].map((c) => Math.round(c)).join(', ')})`,
      });
    }
  } finally {
    for (const r of [fast, slow]) r.child.kill('SIGTERM');
  }
  report('notify', 'Notifications: delivery rate and broker throughput with subscriptions', rows);
}
