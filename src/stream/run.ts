// One `skyjoin stream` run: the pipeline with its enrichers (catalog
// annotation, watch lists) over a file source, a Kafka topic list, or a
// night's topic found by the conductor; then the run's report.

import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { loadCatalogSet } from '../catalog/set.js';
import { Registry } from '../metrics/registry.js';
import { annotationSpecs, type AnnotationConfig } from './annotate/config.js';
import { AnnotationEnricher, registerAnnotationMetrics } from './annotate/annotator.js';
import { endAfterTime, nightOver, resolveNight, topicFor, waitForTopic, type NightPlan } from './night.js';
import { StreamPipeline, type Enricher, type PipelineOptions } from './pipeline.js';
import { fileBatches } from './sources/file.js';
import { KafkaSource } from './sources/kafka.js';
import { WatchEnricher } from './watch/watch-enricher.js';

/** The pipeline's own options (stores, decoder, sink), plus what this run adds around it. */
export interface StreamRunOptions extends Omit<PipelineOptions, 'enrichers'> {
  /** Catalogs to annotate with: a folder of .arrow files or a JSON config; the shipped ones when absent. */
  catalogs?: string;
  /** Per-catalog radius, mode, k, columns (file path or object); false: no annotation. */
  annotate?: AnnotationConfig | string | false;
  /** Check the watch lists of the service's store under dataDir (default true). */
  watch?: boolean;
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
  run: { firstMessageAt: number; lastStoredAt: number; messages: number; latencyMs: { p50: number | null; p99: number | null; samples: number } };
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
  const registry = new Registry();
  const enrichers = await enrichersFor(o, registry);
  const pipeline = new StreamPipeline({
    dataDir: o.dataDir, instance: o.instance, sink: o.sink, decoder: o.decoder, matchRadiusArcsec: o.matchRadiusArcsec,
    archive: o.archive, cutouts: o.cutouts, parquet: o.parquet, enrichers,
  } satisfies PipelineOptions);
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
  } finally {
    server?.close();
  }
  const counts = pipeline.store.counts();
  const lat = Float64Array.from(pipeline.latencies).sort();
  const report: StreamReport = {
    ...(night ? { night, topic } : {}),
    totals: { ...counts.totals }, nights: counts.nights, outputs: { ...pipeline.outputs },
    enrichers: Object.fromEntries(enrichers.map((e) => [e.constructor.name, e.report?.() ?? {}])),
    run: { ...run, latencyMs: { p50: percentile(lat, 50), p99: percentile(lat, 99), samples: lat.length } },
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

/** Consumes until stopped, idle past the end time, or (plain Kafka) idle for idleMs. */
async function consume(
  o: StreamRunOptions, brokers: string[], topics: string[], group: string,
  handle: (m: Parameters<StreamPipeline['handle']>[0]) => Promise<void>,
  w: { endAt: number; idleMs: number; log: (m: Record<string, unknown>) => void },
): Promise<void> {
  // A consumer that crashes for good (kafkajs gave up retrying) must end the
  // run with an error, not leave a process that looks alive and reads nothing.
  let crashed: ((err: Error) => void) | null = null;
  const source = new KafkaSource({
    brokers, topics, group: o.instance ? `${group}-${o.instance}` : group, ...o.consumer,
    onCrash: (err) => { w.log({ msg: 'consumer crashed', error: err.message }); crashed?.(err); },
  });
  let last = Date.now();
  // Idle counts from joining the group: a large group can take longer to
  // join than the idle time, and must not look idle before it has started.
  let joined = false;
  source.consumer.on(source.consumer.events.GROUP_JOIN, () => { joined = true; last = Date.now(); });
  let busy = false;
  let stopping: Promise<void> | null = null;
  const stop = (why: string): Promise<void> => {
    stopping ??= (async () => {
      w.log({ msg: 'stopping', why });
      // disconnect() waits for the batch in hand: it is stored, published and committed first.
      await source.stop();
    })();
    return stopping;
  };
  await source.start(async (msgs) => {
    busy = true;
    try {
      await handle(msgs);
    } finally {
      busy = false;
      last = Date.now();
    }
  });
  w.log({ msg: 'consuming', topics, group });
  await new Promise<void>((resolve, reject) => {
    crashed = (err) => void source.stop().catch(() => {}).then(() => reject(new Error(`Kafka consumer stopped: ${err.message}`)));
    const onAbort = () => void stop('signal').then(resolve);
    o.stopSignal?.addEventListener('abort', onAbort, { once: true });
    if (o.stopSignal?.aborted) onAbort();
    if (w.idleMs > 0) {
      const t = setInterval(() => {
        const now = Date.now();
        const over = Number.isFinite(w.endAt) ? nightOver(now, last, w.endAt, w.idleMs) : now - last >= w.idleMs;
        if (joined && !busy && over) {
          clearInterval(t);
          void stop(Number.isFinite(w.endAt) ? `night over: idle ${w.idleMs / 1000} s after ${new Date(w.endAt).toISOString()}` : `idle ${w.idleMs / 1000} s`).then(resolve);
        }
      }, Math.min(200, w.idleMs));
    }
  });
}
