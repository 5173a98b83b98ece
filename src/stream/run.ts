// One `skyjoin stream` run, wired: the pipeline (with the annotate and watch
// stages the options ask for) fed by a file source, a Kafka consumer group
// on a topic list, or the night's topic found by the conductor; metrics
// while it runs; with Kafka, the upstream ledger (a stage) and a freshness
// monitor; then the run's report.

import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { loadCatalogSet } from '../catalog/set.js';
import { cpuSince, cpuTimes, type CpuTimes } from '../metrics/cpu.js';
import { Registry } from '../metrics/registry.js';
import { annotationSpecs, type AnnotationConfig } from './annotate/config.js';
import { Annotator, registerAnnotationMetrics } from './annotate/annotator.js';
import { PLAINTEXT, type KafkaAuth } from './kafka/auth-config.js';
import { FreshnessMonitor } from './kafka/freshness.js';
import { fetchWatermarks, formatUpstreamLine, UpstreamLedger, type UpstreamLine } from './kafka/upstream-ledger.js';
import { endAfterTime, resolveNight, topicFor, waitForTopic, type NightPlan } from './night.js';
import { alertStages, StreamPipeline, type PipelineOptions } from './pipeline.js';
import type { RootDatabase } from 'lmdb';
import { FilterStore } from '../filters/store.js';
import { StreamRegistry } from '../registry/streams.js';
import { openStore } from '../watch/open.js';
import { WatchlistStore } from '../watch/store.js';
import { RegisteredSink } from './sinks/registered.js';
import type { SourceMessage } from './stage.js';
import type { StreamStore } from './store.js';
import { AnnotateStage } from './stages/annotate.js';
import { FilterStage } from './stages/filters.js';
import { WatchStage } from './stages/watch.js';
import { fileBatches } from './sources/file.js';
import { consumeGroup } from './sources/kafka-group.js';
import { resolveNotifyConfig, type NotifyConfig } from '../notify/config.js';
import { Notifier, type NotifyReport } from '../notify/runtime.js';

/** The pipeline's own options (stores, decoder, sink), plus what this run adds around it. */
export interface StreamRunOptions extends Omit<PipelineOptions, 'annotate' | 'watch' | 'filters' | 'stages'> {
  /** Catalogs to annotate with: a folder of .arrow files or a JSON config; the shipped ones when absent. */
  catalogs?: string;
  /** Per-catalog radius, mode, k, columns (file path or object); false: no annotation. */
  annotate?: AnnotationConfig | string | false;
  /** Check the watch lists of the service's store under dataDir (default true). */
  watch?: boolean;
  /** Run the users' filters of the service's store under dataDir (default true). */
  filters?: boolean;
  /** Record each output stream's address and message counts in the service's store (default true). */
  registry?: boolean;
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
  /** TLS / SASL for every Kafka client of the run (--kafka-config); default plaintext. */
  kafkaAuth?: KafkaAuth;
  /** Kafka: log a freshness alarm when no message arrived for this long (during the night, with a conductor). */
  staleAfterMs?: number;
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
  /** Counters of the stages that keep any (annotate, watch, filters, notify, ...), by stage name. */
  stages: Record<string, unknown>;
  notify?: NotifyReport;
  run: { firstMessageAt: number; lastStoredAt: number; messages: number; latencyMs: { p50: number | null; p99: number | null; samples: number }; cpuMs: CpuTimes };
  /** Kafka: per topic and night, upstream offsets vs received, stored, dead-lettered, duplicates. */
  upstream?: UpstreamLine[];
  /** The same, one line per topic and night, for people. */
  upstreamSummary?: string[];
  reportFile?: string;
}

/**
 * The annotate, watch and filters stages a run asks for; the annotator also
 * gets Prometheus counters. Watch lists and filters share one handle on the
 * service's store (LMDB wants one environment per path and process).
 */
async function optionalStages(o: StreamRunOptions, registry: Registry, serviceEnv: RootDatabase | null): Promise<Pick<PipelineOptions, 'annotate' | 'watch' | 'filters'>> {
  const out: Pick<PipelineOptions, 'annotate' | 'watch' | 'filters'> = {};
  if (o.annotate !== false) {
    const catalogs = await loadCatalogSet(o.catalogs, o.dataDir, (m) => o.log?.({ msg: m }));
    const annotator = new Annotator(annotationSpecs(catalogs, o.annotate));
    registerAnnotationMetrics(registry, annotator);
    out.annotate = new AnnotateStage(annotator, { publicUrl: o.publicUrl });
  }
  if (o.watch !== false) out.watch = new WatchStage(new WatchlistStore(serviceEnv!), { publicUrl: o.publicUrl });
  if (o.filters !== false) out.filters = new FilterStage(new FilterStore(serviceEnv!));
  return out;
}

function percentile(sorted: Float64Array, p: number): number | null {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.round((p / 100) * (sorted.length - 1)))] : null;
}

export async function runStream(o: StreamRunOptions): Promise<StreamReport> {
  const log = o.log ?? (() => {});
  const cpu0 = cpuTimes();
  const registry = new Registry();
  // The service's store (DATA/store): watch lists, filters, the stream registry.
  const serviceEnv = o.watch === false && o.filters === false && o.registry === false ? null : openStore(o.dataDir);
  const sink = serviceEnv && o.registry !== false ? new RegisteredSink(o.sink, new StreamRegistry(serviceEnv)) : o.sink;
  // Kafka runs keep the upstream ledger: a stage just before the outputs, so
  // its counts are written in each batch's store transaction.
  let ledger: UpstreamLedger | null = null;
  // Notifications: the outbox in the stream store's environment (the notify
  // stage writes it); the delivery worker on a thread of its own, so delivery
  // work never takes the stream's main thread.
  let notifier: Notifier | null = null;
  const notify = o.notify === false ? null : o.notify ?? {};
  const outbox = notify === null ? undefined : (store: StreamStore) => (notifier = new Notifier(o.dataDir, store.env, notify.config ?? resolveNotifyConfig(undefined, o.dataDir, o.publicUrl), {
    deliver: (notify.deliver ?? true) ? 'thread' : false, streamDir: store.dir, log, sharedEnv: serviceEnv ?? undefined,
  })).outbox;
  const pipeline = new StreamPipeline({
    dataDir: o.dataDir, instance: o.instance, sink, decoder: o.decoder, matchRadiusArcsec: o.matchRadiusArcsec,
    archive: o.archive, cutouts: o.cutouts, parquet: o.parquet, publicUrl: o.publicUrl, outbox, ...(await optionalStages(o, registry, serviceEnv)),
    stages: (parts) => {
      const list = alertStages(parts);
      if (o.source.kind !== 'file') list.splice(list.length - 1, 0, (ledger = new UpstreamLedger(parts.store)));
      return list;
    },
  } satisfies PipelineOptions);
  let monitor: FreshnessMonitor | null = null;
  let runTopics: string[] = [];
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
  const handle = async (msgs: SourceMessage[]) => {
    run.firstMessageAt ||= Date.now();
    monitor?.saw();
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
        const found = await waitForTopic(src.brokers, want, { pollMs: src.plan.pollMs, deadline, signal: o.stopSignal, log, auth: o.kafkaAuth });
        if (!found) {
          log({ msg: o.stopSignal?.aborted ? 'stopped while waiting for the topic' : 'the topic never appeared: the night ends empty', topic });
          topic = null;
        }
        topics = found ? [want] : [];
      } else {
        topics = src.topics;
      }
      if (topics.length > 0 && !o.stopSignal?.aborted) {
        runTopics = topics;
        const auth = o.kafkaAuth ?? PLAINTEXT;
        ledger!.night = night;
        // The upstream's offsets when consuming starts and ends: "produced upstream vs stored".
        const mark = async (which: 'start' | 'end') => {
          try {
            await ledger!.mark(which, await fetchWatermarks(src.brokers, auth, topics));
          } catch (err) {
            log({ msg: `could not read the upstream watermarks at the ${which}`, error: (err as Error).message });
          }
        };
        await mark('start');
        monitor = new FreshnessMonitor({
          brokers: src.brokers, auth, topics, log, staleAfterMs: o.staleAfterMs, activeUntil: Number.isFinite(endAt) ? endAt : undefined,
          committed: (t, p) => pipeline.checkpoint.committed(t, p),
        });
        monitor.register(registry);
        monitor.start();
        try {
          await consumeGroup({
            brokers: src.brokers, topics, group: o.instance ? `${src.group}-${o.instance}` : src.group, auth: o.kafkaAuth,
            consumer: o.consumer, idleMs, endAt, log, stopSignal: o.stopSignal,
          }, handle);
        } finally {
          monitor.stop();
        }
        await mark('end');
      }
    }
    finished = true;
  } finally {
    server?.close();
    notifyReport = await (notifier as Notifier | null)?.close(finished && o.notify ? o.notify.waitMs ?? 0 : 0);
  }
  const counts = pipeline.store.counts();
  const lat = Float64Array.from(pipeline.latencies).sort();
  const report: StreamReport = {
    ...(night ? { night, topic } : {}),
    totals: { ...counts.totals }, nights: counts.nights, outputs: { ...pipeline.outputs },
    stages: pipeline.report(),
    ...(notifyReport ? { notify: notifyReport } : {}),
    run: { ...run, latencyMs: { p50: percentile(lat, 50), p99: percentile(lat, 99), samples: lat.length }, cpuMs: cpuSince(cpu0) },
  };
  if (ledger && runTopics.length) {
    report.upstream = (ledger as UpstreamLedger).lines(runTopics).filter((l) => !night || l.night === night);
    report.upstreamSummary = report.upstream.map(formatUpstreamLine);
    for (const line of report.upstreamSummary) log({ msg: 'upstream', line });
  }
  if (night) {
    const dir = path.join(pipeline.store.dir, 'reports');
    mkdirSync(dir, { recursive: true });
    report.reportFile = path.join(dir, `night-${night}.json`);
    writeFileSync(report.reportFile, `${JSON.stringify(report, null, 2)}\n`);
  }
  await pipeline.close();
  await serviceEnv?.close();
  return report;
}
