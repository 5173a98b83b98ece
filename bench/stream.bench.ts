// The alert stream end to end (issue 5 speed): real ZTF alerts multiplied on
// the sky by `replayAlerts` (fresh ids, so nothing is a duplicate) into the
// librdkafka mock cluster on loopback, then `skyjoin stream` as TWO child
// (SKYJOIN_BENCH_PROCS=N for N; a 4-process run once outlived its timeout)
// processes in one consumer group (the built CLI, `node bin/skyjoin.js`),
// each with its own data folder (each process owns the objects of its sky
// regions: partition = HEALPix region mod P).
//   throughput: the whole backlog produced first, then alerts/s from the
//     first message consumed to the last batch stored (both processes);
//   latency: the consumers running, replay at --rate 1000; p50 / p99 from the
//     Kafka message timestamp to committed storage, per process.
// Run: `npm run bench -- stream` (compiles src and bench to dist first).
//
// The mock broker keeps at most 5 MB per partition (librdkafka's
// rdkafka_mock.c, not configurable) and drops the oldest batches beyond that,
// so the backlog is produced without cutouts, gzip-compressed in large
// requests (the schema in every message then costs almost nothing), over 128
// partitions with fine regions (order 10, 3.4'), and the low offsets are checked
// afterwards: a dropped batch fails the run instead of flattering it.

import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { replayAlerts, type ReplayReport } from '../src/stream/replay/producer.js';
import { startKafkaMock, type KafkaMock } from '../test/support/kafka-mock.js';
import { report, type Row } from './lib/results.js';

const DATA = path.resolve(process.env.SKYJOIN_SHARED_DATA ?? path.join(process.cwd(), '..', 'shared', 'data'));
const ZTF = path.join(DATA, 'ztf', 'alerts');
const TMP = path.join(process.env.SKYJOIN_BENCH_TMP ?? os.tmpdir(), 'skyjoin-bench-stream');
const BIN = path.resolve('bin', 'skyjoin.js');
const MULTIPLY = Number(process.env.SKYJOIN_BENCH_MULTIPLY ?? 196); // 14 x 14: 261 alerts -> 51,156
const PARTITIONS = 128;
// --idle-exit counts from the start as well: long enough for a 128-partition group to join (2 s was not).
const IDLE_EXIT_S = 15;
const LATENCY_RATE = 1000;
// Stream processes in the consumer group (SKYJOIN_BENCH_PROCS, default 2: one per core).
const PROCS = Number(process.env.SKYJOIN_BENCH_PROCS ?? 2);
const NAMES = Array.from({ length: PROCS }, (_, i) => String.fromCharCode(97 + i));
const LATENCY_MESSAGES = 15_000;

interface StreamReport {
  received: number;
  decoded: number;
  deadLettered: number;
  detections: number;
  duplicatesSkipped: number;
  objects: number;
  run: { firstMessageAt: number; lastStoredAt: number; messages: number; latencyMs: { p50: number | null; p99: number | null; samples: number }; cpuMs: { processMs: number; mainThreadMs: number | null } };
  stages?: Record<string, Record<string, number>>;
}

interface Child {
  done: Promise<StreamReport>;
}

/** Issue 5 measures ingest alone; issue 6 adds annotation (3 catalogs) and 10,000 watch targets. */
interface Setup {
  label: string;
  args: string[];
  /** Prepares a child's data folder (watch lists) before it starts. */
  prepare?: (dataDir: string) => Promise<void>;
}

const INGEST_ONLY: Setup = { label: 'ingest (decode, objects, history, storage)', args: ['--no-annotate', '--no-watch'] };

function streamChild(bootstrap: string, topic: string, group: string, name: string, idleExitS = IDLE_EXIT_S, setup: Setup = INGEST_ONLY): Child {
  const data = path.join(TMP, `${group}-${name}`);
  const args = [BIN, 'stream', '--from', `kafka://${bootstrap}/${topic}`, '--group', group, '--data', data,
    '--to', `dir:${path.join(data, 'out')}`, '--idle-exit', String(idleExitS), ...setup.args];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stdout.on('data', (c: Buffer) => { out += c; });
  child.stderr.on('data', (c: Buffer) => { err += c; });
  // A child that never ends (a consumer that never got its partitions) is
  // stopped after 6 minutes; its log is kept beside its data for a look.
  const guard = setTimeout(() => { process.stderr.write(`stream child ${name} of ${group} still running after 6 min: SIGTERM\n`); child.kill('SIGTERM'); }, 6 * 60_000);
  const done = new Promise<StreamReport>((resolve, reject) => {
    child.on('exit', (code) => {
      clearTimeout(guard);
      writeFileSync(path.join(os.tmpdir(), `skyjoin-bench-stream-${group}-${name}.log`), err);
      if (code !== 0) return reject(new Error(`skyjoin stream (${name}) exited with ${code}:\n${err.slice(-4000)}`));
      try {
        resolve(JSON.parse(out) as StreamReport);
      } catch {
        reject(new Error(`skyjoin stream (${name}) printed no report:\n${out.slice(-2000)}\n${err.slice(-2000)}`));
      }
    });
  });
  return { done };
}

/** Fails when the broker's retention dropped anything (low offset above 0). */
async function checkRetention(mock: KafkaMock, topic: string): Promise<void> {
  const admin = new Kafka({ clientId: 'bench', brokers: mock.bootstrap, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    const dropped = offsets.filter((o) => o.low !== '0');
    if (dropped.length) throw new Error(`the mock broker dropped messages of ${topic} (retention 5 MB/partition): ${JSON.stringify(dropped)}`);
  } finally {
    await admin.disconnect();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Issue 6's broker: annotation against Tycho-2 (1.87 M stars, 2"), OpenNGC
 * (ellipses) and GCVS (5"), and 10,000 watch-list targets (2") placed on
 * the replayed alerts' sky, half on real alert positions.
 */
async function brokerSetup(): Promise<Setup> {
  const { buildCatalogFile } = await import('../src/catalog/build.js');
  const { ensureShippedCatalogs } = await import('../src/catalog/shipped.js');
  const { openStore } = await import('../src/watch/open.js');
  const { WatchlistStore } = await import('../src/watch/store.js');
  const { AlertDecoder } = await import('../src/stream/decoding/decoder.js');
  const { fileSourceFiles } = await import('../src/stream/sources/file.js');
  const { readFileSync, writeFileSync } = await import('node:fs');
  const dir = path.join(TMP, 'catalogs');
  mkdirSync(dir, { recursive: true });
  await buildCatalogFile({ input: path.join(DATA, 'catalogs', 'tycho2_astrometrynet_index4107.csv.gz'), output: path.join(dir, 'tycho2.arrow'), name: 'tycho2', keep: ['vt_mag'], defaultRadiusArcsec: 2 });
  const shipped = await ensureShippedCatalogs(dir);
  const config = path.join(dir, 'catalogs.json');
  const byName = new Map(shipped.map((b) => [b.definition.name, b]));
  writeFileSync(config, JSON.stringify({
    catalogs: [
      { name: 'tycho2', path: 'tycho2.arrow', defaultRadiusArcsec: 2 },
      { name: 'openngc', path: path.basename(byName.get('openngc')!.path), defaultRadiusArcsec: 60, ellipse: byName.get('openngc')!.definition.ellipse },
      { name: 'gcvs', path: path.basename(byName.get('gcvs')!.path), defaultRadiusArcsec: 5 },
    ],
  }));
  // Targets: every real alert position, then random points near them (the replayed copies spread 15 arcmin around each).
  const dec = new AlertDecoder();
  const pos: Array<[number, number]> = [];
  for (const f of fileSourceFiles(ZTF)) for (const a of await dec.decode(readFileSync(f))) pos.push([a.ra, a.dec]);
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const targets = Array.from({ length: 10_000 }, (_, i) => {
    const [ra, d] = pos[i % pos.length];
    const off = i < pos.length ? 0 : 0.25;
    return { name: `t${i}`, ra: (ra + (rnd() - 0.5) * off / Math.max(0.1, Math.cos((d * Math.PI) / 180)) + 360) % 360, dec: Math.max(-90, Math.min(90, d + (rnd() - 0.5) * off)), radiusArcsec: 2 };
  });
  return {
    label: 'broker: ingest + annotation (Tycho-2 1.87 M, OpenNGC ellipses, GCVS) + 10,000 watch targets',
    args: ['--catalogs', config],
    prepare: async (data) => {
      const env = openStore(data);
      const store = new WatchlistStore(env);
      const wl = await store.create('bench', { name: 'bench targets', defaultRadiusArcsec: 2 });
      await store.upsertTargets(wl.id, targets);
      await env.close();
    },
  };
}

/** Issue 16: the broker with 100 users' filters (bench/filters.bench.ts's set, on this broker's catalogs). */
async function withFilters(broker: Setup): Promise<Setup> {
  const { FilterStore } = await import('../src/filters/store.js');
  const { openStore } = await import('../src/service/app.js');
  const { hundred } = await import('./filters.bench.js');
  return {
    label: `${broker.label} + 100 filters`,
    args: broker.args,
    prepare: async (data) => {
      await broker.prepare?.(data);
      const env = openStore(data);
      const store = new FilterStore(env);
      for (const [i, expression] of hundred('tycho2').entries()) await store.create('bench', { name: `bench ${i}`, expression });
      await env.close();
    },
  };
}

/** The children's reports of the last throughput run (for the filters' share of the time). */
let lastReports: StreamReport[] = [];

/** SKYJOIN_BENCH_STREAM=filters: throughput of the broker without and with 100 filters, and the cost. */
async function runFilterCost(): Promise<Row[]> {
  const broker = await brokerSetup();
  const a = await runSetup(broker, 'broker', 4000, false);
  const b = await runSetup(await withFilters(broker), 'filters', 4000, false);
  const rate = (rows: Row[]) => Number(rows.find((r) => r.unit === 'alerts/s')!.value);
  const cost = (1 - rate(b) / rate(a)) * 100;
  // Within the same processes and the same moments: the filter stage's own time over the main thread's CPU time.
  const stage = lastReports.reduce((t, r) => {
    const f = r.stages?.filters ?? {};
    return t + (f.featuresMs ?? 0) + (f.evaluateMs ?? 0) + (f.recordMs ?? 0);
  }, 0);
  const main = lastReports.reduce((t, r) => t + (r.run.cpuMs.mainThreadMs ?? r.run.cpuMs.processMs), 0);
  const evals = lastReports.reduce((t, r) => t + (r.stages?.filters?.evaluations ?? 0), 0);
  const matches = lastReports.reduce((t, r) => t + (r.stages?.filters?.matchesRecorded ?? 0), 0);
  const rows = [...a, ...b,
    { measure: 'cost of 100 active filters on the broker\'s throughput (alerts/s without vs with)', value: +cost.toFixed(1), unit: '%', n: '', seconds: '', note: 'target <= 10%; one run each, sequential, on a shared machine' },
    { measure: 'filter stage (features, 100 filters, recording) over the main threads\' CPU time, in the run with filters', value: +((stage / main) * 100).toFixed(1), unit: '%', n: evals, seconds: +(stage / 1000).toFixed(2), note: `same processes, same moments: less sensitive to other load; ${matches} matches recorded` },
  ];
  report('stream-filters', `Alert stream with and without 100 users' filters: real ZTF alerts x ${MULTIPLY}, mock Kafka on loopback, ${PROCS} skyjoin stream processes`, rows);
  return rows;
}

export async function runStream(): Promise<Row[]> {
  rmSync(TMP, { recursive: true, force: true });
  mkdirSync(TMP, { recursive: true });
  // SKYJOIN_BENCH_STREAM=ingest|broker runs one of the two; =filters the broker without and with 100 filters.
  const only = process.env.SKYJOIN_BENCH_STREAM;
  if (only === 'filters') {
    const rows = await runFilterCost();
    rmSync(TMP, { recursive: true, force: true });
    return rows;
  }
  const rows: Row[] = [];
  if (only !== 'broker') rows.push(...await runSetup(INGEST_ONLY, 'ingest', 5000));
  if (only !== 'ingest') rows.push(...await runSetup(await brokerSetup(), 'broker', 4000));
  report('stream', `Alert stream end to end: real ZTF alerts multiplied, mock Kafka on loopback, ${PROCS} skyjoin stream processes`, rows);
  rmSync(TMP, { recursive: true, force: true });
  return rows;
}

async function runSetup(setup: Setup, tag: string, target: number, latency = true): Promise<Row[]> {
  const mock = await startKafkaMock({ topics: { alerts: PARTITIONS, 'alerts-rate': 4 } });
  const bootstrap = mock.bootstrap.join(',');
  const rows: Row[] = [];
  const child = (topic: string, group: string, name: string, idle?: number) => streamChild(bootstrap, topic, `${tag}-${group}`, name, idle, setup);
  for (const g of ['bench', 'bench-rate']) for (const n of NAMES) await setup.prepare?.(path.join(TMP, `${tag}-${g}-${n}`));
  const common = { brokers: mock.bootstrap, from: ZTF, stripCutouts: true, compression: 'gzip' as const };
  try {
    // 1. Backlog, then two consumers.
    const produced: ReplayReport = await replayAlerts({ ...common, topic: 'alerts', multiply: MULTIPLY, partitions: PARTITIONS, regionOrder: 10, batchMessages: 8000, batchBytes: 512 * 2 ** 20 });
    await checkRetention(mock, 'alerts');
    rows.push({ measure: `${tag}: replay: ${produced.alerts} real ZTF alerts x ${MULTIPLY} copies (no cutouts, gzip, ${PARTITIONS} partitions)`, value: Math.round(produced.rate), unit: 'messages/s', n: produced.messages, seconds: +produced.seconds.toFixed(2), note: `${(produced.bytes / produced.messages / 1024).toFixed(1)} kB/message before compression` });
    const reports = await Promise.all(NAMES.map((n) => child('alerts', 'bench', n).done));
    lastReports = reports;
    const received = reports.reduce((s, r) => s + r.received, 0);
    const first = Math.min(...reports.filter((r) => r.run.firstMessageAt).map((r) => r.run.firstMessageAt));
    const last = Math.max(...reports.map((r) => r.run.lastStoredAt));
    const seconds = (last - first) / 1000;
    // CPU over each process's whole run (start-up and the idle wait at the end included).
    const perAlert = (ms: number) => Math.round((ms * 1000) / received);
    const cpuAll = reports.reduce((s, r) => s + r.run.cpuMs.processMs, 0);
    const mains = reports.map((r) => r.run.cpuMs.mainThreadMs);
    const cpuNote = `; CPU per alert ${perAlert(cpuAll)} µs in all threads${mains.every((m) => m !== null) ? ` (main threads ${perAlert(mains.reduce((s, m) => s + m!, 0))} µs)` : ''}`;
    rows.push({
      measure: `${setup.label}, ${PROCS} processes in one group: first message consumed -> last batch stored`, value: Math.round(received / seconds), unit: 'alerts/s', n: received, seconds: +seconds.toFixed(2),
      note: `target >= ${target.toLocaleString('en')}; per process ${reports.map((r) => r.received).join(' + ')}; objects ${reports.map((r) => r.objects).join(' + ')}; duplicates ${reports.reduce((s, r) => s + r.duplicatesSkipped, 0)}; dead letters ${reports.reduce((s, r) => s + r.deadLettered, 0)}${cpuNote}${received !== produced.messages ? `; PRODUCED ${produced.messages}` : ''}`,
    });

    if (!latency) return rows;
    // 2. Latency at a set rate, consumers already running.
    // --idle-exit counts from start too: long enough to outlast the wait for both to join.
    const live = NAMES.map((n) => child('alerts-rate', 'bench-rate', n, 15));
    await sleep(8000); // both joined and assigned before the first message
    const paced = await replayAlerts({ ...common, topic: 'alerts-rate', multiply: MULTIPLY, partitions: 4, rate: LATENCY_RATE, limit: LATENCY_MESSAGES });
    const lr = await Promise.all(live.map((c) => c.done));
    rows.push({ measure: `${tag}: replay --rate ${LATENCY_RATE} (4 partitions)`, value: Math.round(paced.rate), unit: 'messages/s', n: paced.messages, seconds: +paced.seconds.toFixed(2), note: '' });
    for (const [i, r] of lr.entries()) {
      const l = r.run.latencyMs;
      rows.push({ measure: `${tag}: latency Kafka timestamp -> committed storage and outputs at ${LATENCY_RATE}/s, process ${NAMES[i]}: p50`, value: l.p50 ?? NaN, unit: 'ms', n: l.samples, seconds: '', note: '' });
      rows.push({ measure: `${tag}: latency Kafka timestamp -> committed storage and outputs at ${LATENCY_RATE}/s, process ${NAMES[i]}: p99`, value: l.p99 ?? NaN, unit: 'ms', n: l.samples, seconds: '', note: `received ${r.received}` });
    }
  } finally {
    await mock.stop();
  }
  for (const r of rows) process.stderr.write(`${JSON.stringify(r)}\n`);
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runStream();
