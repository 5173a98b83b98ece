// One `skyjoin stream` run: the pipeline with its enrichers (catalog
// annotation, watch lists) over a file source, a Kafka topic list, or a
// night's topic found by the conductor; then the run's report.

import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { loadCatalogSet } from '../catalog/set.js';
import { cpuSince, cpuTimes, type CpuTimes } from '../metrics/cpu.js';
import { Registry } from '../metrics/registry.js';
import { annotationSpecs, type AnnotationConfig } from './annotate/config.js';
import { AnnotationEnricher, registerAnnotationMetrics } from './annotate/annotator.js';
import { endAfterTime, nightOver, resolveNight, sleep, topicFor, waitForTopic, type NightPlan } from './night.js';
import { StreamPipeline, type Enricher, type PipelineOptions } from './pipeline.js';
import { fileBatches } from './sources/file.js';
import { KafkaSource } from './sources/kafka.js';
import { WatchEnricher } from './watch/watch-enricher.js';
import { resolveNotifyConfig, type NotifyConfig } from '../notify/config.js';
import { Notifier, type NotifyReport } from '../notify/runtime.js';

/** The pipeline's own options (stores, decoder, sink), plus what this run adds around it. */
export interface StreamRunOptions extends Omit<PipelineOptions, 'enrichers'> {
  /** Catalogs to annotate with: a folder of .arrow files or a JSON config; the shipped ones when absent. */
  catalogs?: string;
  /** Per-catalog radius, mode, k, columns (file path or object); false: no annotation. */
  annotate?: AnnotationConfig | string | false;
  /** Check the watch lists of the service's store under dataDir (default true). */
  watch?: boolean;
  /**
   * Notifications: the outbox is written for every subscribed stream; the
   * delivery worker runs in this process unless deliver is false (then
   * `skyjoin notify` delivers). waitMs: after the source ends, how long to
   * wait for the backlog to empty before stopping. false: no outbox at all.
   */
  notify?: { config?: NotifyConfig; deliver?: boolean; waitMs?: number } | false;
  /** Serve Prometheus metrics on this port (loopback) while running. */
  metricsPort?: number;
  source:
    | { kind: 'file'; path: string }
    | { kind: 'kafka'; brokers: string[]; topics: string[]; group: string; idleExitMs?: number }
    | { kind: 'night'; brokers: string[]; group: string; plan: NightPlan };
  /** Test-friendly consumer timings. */
  consumer?: { sessionTimeout?: number; heartbeatInterval?: number; maxWaitTimeInMs?: number; maxBatch?: number };
  log?: (o: Record<string, unknown>) => void;
  /** Resolves to stop a Kafka run early (SIGTERM). */
  stopSignal?: AbortSignal;
}

export interface StreamReport {
  night?: string;
  topic?: string | null;
  totals: Record<string, number>;
  nights: Record<string, Record<string, number>>;
  outputs: Record<string, number>;
  enrichers: Record<string, unknown>;
  notify?: NotifyReport;
  run: { firstMessageAt: number; lastStoredAt: number; messages: number; latencyMs: { p50: number | null; p99: number | null; samples: number }; cpuMs: CpuTimes };
  reportFile?: string;
}

/** Builds the enrichers a run asks for; the annotator also gets Prometheus counters. */
async function enrichersFor(o: StreamRunOptions, registry: Registry): Promise<Enricher[]> {
  const out: Enricher[] = [];
  if (o.annotate !== false) {
    const catalogs = await loadCatalogSet(o.catalogs, o.dataDir, (m) => o.log?.({ msg: m }));
    const annotator = new AnnotationEnricher(annotationSpecs(catalogs, o.annotate));
    registerAnnotationMetrics(registry, annotator);
    out.push(annotator);
  }
  if (o.watch !== false) out.push(await WatchEnricher.open(o.dataDir));
  return out;
}

function percentile(sorted: Float64Array, p: number): number | null {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.round((p / 100) * (sorted.length - 1)))] : null;
}

export async function runStream(o: StreamRunOptions): Promise<StreamReport> {
  const log = o.log ?? (() => {});
  const cpu0 = cpuTimes();
  const registry = new Registry();
  const enrichers = await enrichersFor(o, registry);
  const pipeline = new StreamPipeline({
    dataDir: o.dataDir, instance: o.instance, sink: o.sink, decoder: o.decoder, matchRadiusArcsec: o.matchRadiusArcsec,
    archive: o.archive, cutouts: o.cutouts, parquet: o.parquet, enrichers,
  } satisfies PipelineOptions);
  const notifier = o.notify === false ? null : new Notifier(o.dataDir, pipeline.store.env, o.notify?.config ?? resolveNotifyConfig(undefined, o.dataDir), {
    // On a thread of its own: delivery work never takes the stream's main thread.
    deliver: (o.notify?.deliver ?? true) ? 'thread' : false, streamDir: pipeline.store.dir, log,
  });
  if (notifier) pipeline.useOutbox(notifier.outbox);
  registry.gauge('skyjoin_stream_counts', 'Stream accounting totals (received, decoded, deadLettered, ...)', () =>
    Object.entries(pipeline.store.counts().totals).map(([k, v]) => [{ counter: k }, v]));
  registry.gauge('skyjoin_stream_outputs', 'Records produced per output stream', () =>
    Object.entries(pipeline.outputs).map(([k, v]) => [{ stream: k }, v]));
  let server: Server | undefined;
  if (o.metricsPort !== undefined) {
    server = createServer((req, res) => {
      res.writeHead(req.url === '/metrics' ? 200 : 404, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(req.url === '/metrics' ? registry.render() : 'GET /metrics\n');
    });
    await new Promise<void>((r) => server!.listen(o.metricsPort, '127.0.0.1', r));
  }
  const run = { firstMessageAt: 0, lastStoredAt: 0, messages: 0 };
  const handle = async (msgs: Parameters<StreamPipeline['handle']>[0]) => {
    run.firstMessageAt ||= Date.now();
    await pipeline.handle(msgs);
    run.lastStoredAt = Date.now();
    run.messages += msgs.length;
  };
  let night: string | undefined;
  let topic: string | null | undefined;
  let finished = false;
  let notifyReport: NotifyReport | undefined;
  try {
    await pipeline.recover();
    const src = o.source;
    if (src.kind === 'file') {
      for (const batch of fileBatches(path.resolve(src.path))) await handle(batch);
    } else {
      let topics: string[];
      let endAt = Infinity;
      let idleMs = src.kind === 'kafka' ? src.idleExitMs ?? 0 : src.plan.idleMs;
      if (src.kind === 'night') {
        night = resolveNight(src.plan.night);
        const want = topicFor(src.plan.pattern, night);
        topic = want;
        endAt = endAfterTime(night, src.plan.endAfter);
        const deadline = src.plan.maxWaitMs !== undefined ? Date.now() + src.plan.maxWaitMs : Math.max(endAt + idleMs, Date.now() + idleMs);
        log({ msg: 'night', night, topic, endAfter: new Date(endAt).toISOString() });
        const found = await waitForTopic(src.brokers, want, { pollMs: src.plan.pollMs, deadline, signal: o.stopSignal, log });
        if (!found) {
          log({ msg: o.stopSignal?.aborted ? 'stopped while waiting for the topic' : 'the topic never appeared: the night ends empty', topic });
          topic = null;
        }
        topics = found ? [want] : [];
      } else {
        topics = src.topics;
      }
      if (topics.length > 0 && !o.stopSignal?.aborted) await consume(o, src.brokers, topics, src.group, handle, { endAt, idleMs, log });
    }
    finished = true;
  } finally {
    server?.close();
    notifyReport = await notifier?.close(finished && o.notify ? o.notify.waitMs ?? 0 : 0);
  }
  const counts = pipeline.store.counts();
  const lat = Float64Array.from(pipeline.latencies).sort();
  const report: StreamReport = {
    ...(night ? { night, topic } : {}),
    totals: { ...counts.totals }, nights: counts.nights, outputs: { ...pipeline.outputs },
    enrichers: Object.fromEntries(enrichers.map((e) => [e.constructor.name, e.report?.() ?? {}])),
    ...(notifyReport ? { notify: notifyReport } : {}),
    run: { ...run, latencyMs: { p50: percentile(lat, 50), p99: percentile(lat, 99), samples: lat.length }, cpuMs: cpuSince(cpu0) },
  };
  if (night) {
    const dir = path.join(pipeline.store.dir, 'reports');
    mkdirSync(dir, { recursive: true });
    report.reportFile = path.join(dir, `night-${night}.json`);
    writeFileSync(report.reportFile, `${JSON.stringify(report, null, 2)}\n`);
  }
  await pipeline.close();
  for (const e of enrichers) await e.close?.();
  return report;
}

/** Consumer restarts after a crash kafkajs does not retry itself, before the run fails. */
const MAX_CONSUMER_RESTARTS = 5;
/** How long leaving the group may take once no batch is in hand (a crashed client can hang there). */
const DISCONNECT_TIMEOUT_MS = 15_000;

/**
 * Consumes until stopped, idle past the end time, or (plain Kafka) idle for
 * idleMs. A consumer that crashes for good (an error kafkajs does not retry,
 * such as a malformed-request answer from a coordinator in the middle of a
 * rebalance) is replaced by a new one, up to MAX_CONSUMER_RESTARTS times with
 * backoff: the stores are committed before the offsets, so a new member of
 * the group starts from the last committed offset and loses nothing.
 */
async function consume(
  o: StreamRunOptions, brokers: string[], topics: string[], group: string,
  handle: (m: Parameters<StreamPipeline['handle']>[0]) => Promise<void>,
  w: { endAt: number; idleMs: number; log: (m: Record<string, unknown>) => void },
): Promise<void> {
  // Idle counts across restarts, from the last batch (or the start).
  const state = { last: Date.now(), busy: false };
  for (let restarts = 0; ; restarts++) {
    const crash = await consumeOnce(o, brokers, topics, group, handle, w, state);
    if (!crash) return;
    if (restarts >= MAX_CONSUMER_RESTARTS) throw new Error(`Kafka consumer stopped: ${crash.message} (after ${restarts} restarts)`);
    const backoffMs = Math.min(30_000, 1000 * 2 ** restarts);
    w.log({ msg: 'restarting the consumer', error: crash.message, restart: restarts + 1, inMs: backoffMs });
    await sleep(backoffMs, o.stopSignal);
    if (o.stopSignal?.aborted) return;
  }
}

/** One consumer's life in the group; resolves with the crash that ended it, or null when stopped. */
async function consumeOnce(
  o: StreamRunOptions, brokers: string[], topics: string[], group: string,
  handle: (m: Parameters<StreamPipeline['handle']>[0]) => Promise<void>,
  w: { endAt: number; idleMs: number; log: (m: Record<string, unknown>) => void },
  state: { last: number; busy: boolean },
): Promise<Error | null> {
  // A crash can come while joining, before anything waits for it: keep it.
  let crashed: Error | null = null;
  let onCrash: (() => void) | null = null;
  const source = new KafkaSource({
    brokers, topics, group: o.instance ? `${group}-${o.instance}` : group, ...o.consumer,
    onCrash: (err) => { w.log({ msg: 'consumer crashed', error: err.message }); crashed ??= err; onCrash?.(); },
  });
  // Idle counts from joining the group: a large group can take longer to
  // join than the idle time, and must not look idle before it has started.
  let joined = false;
  // Waiting in a rebalance is not idleness: a join can wait a whole session
  // timeout for a member that died, and the partitions come back after it.
  let rebalancing = false;
  const started = Date.now();
  source.consumer.on(source.consumer.events.REBALANCING, () => { rebalancing = true; });
  source.consumer.on(source.consumer.events.GROUP_JOIN, (e) => {
    joined = true;
    rebalancing = false;
    state.last = Date.now();
    // Which partitions this process got: a member left without any is visible in the log.
    w.log({ msg: 'joined group', memberId: e.payload.memberId, leader: e.payload.isLeader, partitions: e.payload.memberAssignment, afterMs: e.payload.duration });
  });
  // A process that cannot join (an unreachable or stuck coordinator) says so instead of waiting silently.
  const joinWatch = setInterval(() => {
    if (!joined) w.log({ msg: 'not joined the consumer group yet', group, waitedS: Math.round((Date.now() - started) / 1000) });
  }, 60_000);
  joinWatch.unref();
  // Leaves the group. disconnect() waits for the batch in hand (stored,
  // published and committed first); with none in hand it gets a time limit.
  const leave = async (why: string): Promise<void> => {
    w.log({ msg: 'stopping', why });
    const left = source.stop().then(() => true, (err: Error) => { w.log({ msg: 'disconnect failed', error: err.message }); return true; });
    for (;;) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = await Promise.race([left, new Promise<false>((r) => { timer = setTimeout(() => r(false), DISCONNECT_TIMEOUT_MS); })]);
      clearTimeout(timer); // a pending timer would hold the process open after the run
      if (done) { w.log({ msg: 'left the group' }); return; }
      if (!state.busy) { w.log({ msg: 'disconnect timed out: going on without leaving the group' }); return; }
    }
  };
  try {
    await source.start(async (msgs) => {
      state.busy = true;
      try {
        await handle(msgs);
      } finally {
        state.busy = false;
        state.last = Date.now();
      }
    });
    w.log({ msg: 'consuming', topics, group });
    return await new Promise<Error | null>((resolve) => {
      let timer: ReturnType<typeof setInterval> | undefined;
      let ending = false;
      const end = (why: string, result: Error | null) => {
        if (ending) return;
        ending = true;
        if (timer) clearInterval(timer);
        o.stopSignal?.removeEventListener('abort', onAbort);
        void leave(why).then(() => resolve(result));
      };
      const onAbort = () => end('signal', null);
      onCrash = () => end('crashed', crashed);
      if (crashed) return onCrash();
      o.stopSignal?.addEventListener('abort', onAbort, { once: true });
      if (o.stopSignal?.aborted) return onAbort();
      if (w.idleMs > 0) {
        timer = setInterval(() => {
          const now = Date.now();
          if (rebalancing) { state.last = now; return; }
          const over = Number.isFinite(w.endAt) ? nightOver(now, state.last, w.endAt, w.idleMs) : now - state.last >= w.idleMs;
          if (joined && !state.busy && over) end(Number.isFinite(w.endAt) ? `night over: idle ${w.idleMs / 1000} s after ${new Date(w.endAt).toISOString()}` : `idle ${w.idleMs / 1000} s`, null);
        }, Math.min(200, w.idleMs));
      }
    });
  } catch (err) {
    // connect/subscribe gave up (kafkajs retried with backoff first): a crash like any other.
    crashed ??= err as Error;
    await leave('failed to start');
    return crashed;
  } finally {
    clearInterval(joinWatch);
  }
}
