// skyjoin stream --from kafka://HOST:PORT/TOPIC[,TOPIC...] --group NAME [--data DIR] [--instance TAG]
// skyjoin stream --from kafka://HOST:PORT --topic-pattern 'ztf_{date}_programid1' --night auto --group NAME
// skyjoin stream --from file:PATH [--to dir:OUT | kafka://HOST:PORT] [--avro]
// skyjoin stream status --data DIR [--instance TAG] --json

import { existsSync } from 'node:fs';
import path from 'node:path';
import { AvroFileOutputs, AvroKafkaEncoding } from '../stream/sinks/avro-out.js';
import { DirSink } from '../stream/sinks/dir.js';
import { KafkaSink } from '../stream/sinks/kafka.js';
import { loadKafkaAuth, type KafkaAuth } from '../stream/kafka/auth-config.js';
import { checkKafka } from '../stream/kafka/connect-check.js';
import { formatUpstreamLine, UpstreamLedger } from '../stream/kafka/upstream-ledger.js';
import { checkRegistry, loadRegistryAccess, type RegistryAccess } from '../stream/kafka/registry-access.js';
import type { OutputSink } from '../stream/sinks/sink.js';
import { endAfterTime, resolveNight, topicFor } from '../stream/night.js';
import { publicBase } from '../objects/links.js';
import { runStream, type StreamRunOptions } from '../stream/run.js';
import { COUNTERS, StreamStore } from '../stream/store.js';
import { numberFlag, optionalString, parse, requireString } from './args.js';
import { defaultDataDir } from './data-dir.js';
import { notifyConfig } from './config-file.js';
import { CliError, UsageError } from './errors.js';
import { parseKafkaUrl } from './kafka-url.js';

const USAGE = `usage: skyjoin stream --from kafka://HOST:PORT/TOPIC[,TOPIC...] --group NAME [options]
       skyjoin stream --from kafka://HOST:PORT --topic-pattern 'ztf_{date}_programid1' --night auto --group NAME [options]
       skyjoin stream --from file:PATH [options]
       skyjoin stream status [--data DIR] [--instance TAG] [--json]
       skyjoin stream instance create|delete --instance TAG [options]   (see 'skyjoin stream instance --help')
options:
  --data DIR              state: objects, history, archive, cutouts, Parquet, and the watch lists that
                          'skyjoin serve --data DIR' writes (default $SKYJOIN_DATA or ~/.local/share/skyjoin)
  --instance TAG          suffix for every topic, consumer group and store this run creates
  --to dir:OUT | kafka://HOST:PORT   where the output streams go (default: DATA/stream/out for files,
                          the source cluster for Kafka)
  --avro                  also write Avro: OUT/<stream>.avro container files (dir:), or Avro message
                          values instead of JSON (kafka://), with the schemas in schemas/*.avsc
  --kafka-config FILE     librdkafka-style properties for TLS/SASL (security.protocol, sasl.mechanism,
                          sasl.username, sasl.password, ssl.ca.location, ...); SKYJOIN_KAFKA_* variables
                          override it (SKYJOIN_KAFKA_SASL_PASSWORD for sasl.password). Default: plaintext
  --to-kafka-config FILE  the same for a --to kafka:// cluster other than the source (default: --kafka-config)
  --lsst-schemas DIR      Rubin .avsc folder for Confluent-framed messages
  --schema-registry URL   Rubin schemas by id; with --avro, output schemas are registered there too
  --schema-registry-config FILE   basic.auth.user.info=USER:PASSWORD, ssl.ca.location, ... for the
                          registry; SKYJOIN_SCHEMA_REGISTRY_* variables override it
  --stale-after SECONDS   Kafka: log a freshness alarm when no message arrived for this long (during
                          the night with --topic-pattern)
  --match-radius-arcsec R object matching radius (default 1.5)
  --catalogs DIR_OR_CONFIG   catalogs to annotate with (default: the shipped bsc5, openngc, gcvs)
  --annotate FILE         per-catalog radius, mode (best|all), k, columns, ellipseScale (JSON)
  --no-annotate / --no-watch / --no-filters   skip catalog annotation / watch-list checks / the users'
                          filters (each filter's matches go to the stream filter-ID)
  --config FILE           JSON config shared with 'skyjoin serve'; its "notify" section sets notifications
                          (publicBaseUrl, smtp, allowNetworks, retries, pauseAfterHours: see the README)
  --no-notify-worker      queue notifications of subscribed streams but leave delivery to 'skyjoin notify'
  --notify-wait SECONDS   when the source ends, wait this long for queued notifications to go (default 0;
                          what is left stays queued for the next run or 'skyjoin notify')
  --metrics-port PORT     serve Prometheus metrics (per-catalog health) on 127.0.0.1:PORT/metrics
  --idle-exit SECONDS     Kafka: stop after this long without messages (default: run until SIGTERM)
  --session-timeout S     Kafka consumer-group session timeout (default 30): how soon a dead member's
                          partitions move to the others, and how long a rebalance may wait
  --no-archive / --no-cutouts / --no-parquet   skip those stores
  --public-url URL        base of the object and cutout URLs in the output records and of the links in
                          notifications, where 'skyjoin serve --data DIR' is reached (default
                          $SKYJOIN_PUBLIC_URL or http://127.0.0.1:8080)
night conductor (with --topic-pattern):
  --night auto|YYYYMMDD   which night's topic ({date}; auto: today's UTC date)
  --poll-seconds S        how often to look for the topic (default 30)
  --end-after HH:MM       UTC time of day after which the night may end (default 14:00)
  --night-idle SECONDS    ... once idle this long (default 900); then drain, commit, report, exit
  --max-wait SECONDS      give up waiting for the topic after this long (default: until the night's end)`;

export { parseKafkaUrl };

async function sinkFor(
  to: string | undefined, defaultDir: string, brokers: string[] | null, instance: string | undefined, avro: boolean,
  registry: RegistryAccess | undefined, auth: { from: KafkaAuth; to: KafkaAuth },
): Promise<OutputSink> {
  const dir = (d: string) => new DirSink(d, instance, avro ? new AvroFileOutputs(d, { instance }) : undefined);
  const kafka = async (b: string[], a: KafkaAuth) => new KafkaSink(b, instance, avro ? await AvroKafkaEncoding.create({ instance, registry }) : undefined, undefined, a);
  if (!to) return brokers ? kafka(brokers, auth.from) : dir(defaultDir);
  if (to.startsWith('dir:')) return dir(path.resolve(to.slice(4)));
  if (to.startsWith('kafka://')) {
    const b = parseKafkaUrl(to, false).brokers;
    // Another cluster than the source: log in there before the run starts too.
    if (!brokers || b.join() !== brokers.join() || auth.to !== auth.from) await checkKafka(b, auth.to);
    return kafka(b, auth.to);
  }
  throw new UsageError(`--to must be dir:PATH or kafka://HOST:PORT, got '${to}'`);
}

export async function streamCommand(argv: string[]): Promise<number> {
  if (argv[0] === 'status') return status(argv.slice(1));
  if (argv[0] === 'instance') return (await import('./stream-instance.js')).instanceCommand(argv.slice(1));
  const { values } = parse(argv, {
    from: { type: 'string' }, to: { type: 'string' }, group: { type: 'string' }, data: { type: 'string' },
    instance: { type: 'string' }, 'lsst-schemas': { type: 'string' }, 'schema-registry': { type: 'string' },
    'match-radius-arcsec': { type: 'string' }, 'idle-exit': { type: 'string' }, avro: { type: 'boolean' },
    'no-archive': { type: 'boolean' }, 'no-cutouts': { type: 'boolean' }, 'no-parquet': { type: 'boolean' },
    catalogs: { type: 'string' }, annotate: { type: 'string' }, 'no-annotate': { type: 'boolean' }, 'no-watch': { type: 'boolean' }, 'no-filters': { type: 'boolean' },
    config: { type: 'string' }, 'no-notify-worker': { type: 'boolean' }, 'notify-wait': { type: 'string' },
    'metrics-port': { type: 'string' }, 'session-timeout': { type: 'string' }, 'topic-pattern': { type: 'string' }, night: { type: 'string' },
    'poll-seconds': { type: 'string' }, 'public-url': { type: 'string' }, 'end-after': { type: 'string' }, 'night-idle': { type: 'string' }, 'max-wait': { type: 'string' },
    'kafka-config': { type: 'string' }, 'to-kafka-config': { type: 'string' }, 'schema-registry-config': { type: 'string' }, 'stale-after': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }, USAGE);
  if (values.help) { process.stdout.write(`${USAGE}\n`); return 0; }
  const from = requireString(values, 'from', USAGE);
  const dataDir = optionalString(values, 'data') ?? defaultDataDir();
  const instance = optionalString(values, 'instance');
  if (instance !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(instance)) throw new UsageError(`--instance must be 1-64 of [A-Za-z0-9_.-], got '${instance}'`);
  const radius = numberFlag(values, 'match-radius-arcsec', { min: 0.001, max: 3600, def: 1.5 }, USAGE);
  const pattern = optionalString(values, 'topic-pattern');
  const kafka = from.startsWith('kafka://') ? parseKafkaUrl(from, !pattern) : null;
  if (!kafka && !from.startsWith('file:')) throw new UsageError(`--from must be kafka://HOST:PORT/TOPIC or file:PATH, got '${from}'`);
  if (!kafka && !existsSync(from.slice(5))) throw new CliError(`--from ${from}: no such file or folder`);
  if (pattern && !kafka) throw new UsageError('--topic-pattern needs --from kafka://HOST:PORT');
  if (pattern && kafka!.topics.length) throw new UsageError(`--topic-pattern names the topic: give --from kafka://HOST:PORT without topics, got '${from}'`);
  const publicUrlFlag = optionalString(values, 'public-url') ?? process.env.SKYJOIN_PUBLIC_URL;
  let publicUrl: string | undefined;
  try {
    publicUrl = publicUrlFlag === undefined ? undefined : publicBase(publicUrlFlag, '--public-url');
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const notify = { config: notifyConfig(optionalString(values, 'config'), dataDir, publicUrl), deliver: !values['no-notify-worker'], waitMs: numberFlag(values, 'notify-wait', { min: 0, max: 86_400, def: 0 }, USAGE) * 1000 };
  const metricsPort = values['metrics-port'] === undefined ? undefined : numberFlag(values, 'metrics-port', { min: 0, max: 65535, integer: true }, USAGE);
  const storeDir = StreamStore.at(dataDir, instance).dir;
  await StreamStore.at(dataDir, instance).close();

  let source: StreamRunOptions['source'];
  if (!kafka) {
    source = { kind: 'file', path: from.slice(5) };
  } else if (pattern) {
    source = {
      kind: 'night', brokers: kafka.brokers, group: requireString(values, 'group', USAGE),
      plan: {
        pattern, night: optionalString(values, 'night') ?? 'auto',
        pollMs: numberFlag(values, 'poll-seconds', { min: 0.05, max: 3600, def: 30 }, USAGE) * 1000,
        endAfter: optionalString(values, 'end-after') ?? '14:00',
        idleMs: numberFlag(values, 'night-idle', { min: 0.1, def: 900 }, USAGE) * 1000,
        maxWaitMs: values['max-wait'] === undefined ? undefined : numberFlag(values, 'max-wait', { min: 0 }, USAGE) * 1000,
      },
    };
  } else {
    source = {
      kind: 'kafka', brokers: kafka.brokers, topics: kafka.topics, group: requireString(values, 'group', USAGE),
      idleExitMs: numberFlag(values, 'idle-exit', { min: 0.1, def: 0 }, USAGE) * 1000,
    };
  }
  const sessionS = numberFlag(values, 'session-timeout', { min: 1, max: 3600, def: 30 }, USAGE);
  const consumer = { sessionTimeout: sessionS * 1000, heartbeatInterval: Math.min(3000, (sessionS * 1000) / 10) };
  if (source.kind === 'night') {
    // The plan's mistakes before anything connects.
    const n = resolveNight(source.plan.night);
    topicFor(source.plan.pattern, n);
    endAfterTime(n, source.plan.endAfter);
  }
  const staleAfterMs = values['stale-after'] === undefined ? undefined : numberFlag(values, 'stale-after', { min: 1 }, USAGE) * 1000;
  if (staleAfterMs !== undefined && !kafka) throw new UsageError('--stale-after needs --from kafka://');
  // Settings first (a bad file is one line before anything connects), then one bounded login to each cluster and the registry.
  const kafkaAuth = loadKafkaAuth(optionalString(values, 'kafka-config'));
  const toConfig = optionalString(values, 'to-kafka-config');
  const toAuth = toConfig ? loadKafkaAuth(toConfig, {}) : kafkaAuth;
  const registry = loadRegistryAccess(optionalString(values, 'schema-registry'), optionalString(values, 'schema-registry-config'));
  if (kafka) await checkKafka(kafka.brokers, kafkaAuth);
  if (registry) await checkRegistry(registry);
  const sink = await sinkFor(optionalString(values, 'to'), path.join(storeDir, 'out'), kafka?.brokers ?? null, instance, !!values.avro, registry, { from: kafkaAuth, to: toAuth });
  const log = (o: Record<string, unknown>) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...o })}\n`);
  const abort = new AbortController();
  const onSignal = (sig: string) => { log({ msg: 'signal', sig }); abort.abort(); };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    const report = await runStream({
      dataDir, instance, sink, matchRadiusArcsec: radius, source, log, stopSignal: abort.signal, metricsPort, consumer, kafkaAuth, staleAfterMs,
      decoder: { lsstSchemas: optionalString(values, 'lsst-schemas'), schemaRegistry: registry },
      archive: !values['no-archive'], cutouts: !values['no-cutouts'], parquet: !values['no-parquet'],
      catalogs: optionalString(values, 'catalogs'), annotate: values['no-annotate'] ? false : optionalString(values, 'annotate'),
      watch: !values['no-watch'], filters: !values['no-filters'], publicUrl, notify,
    });
    process.stdout.write(`${JSON.stringify({ ...report.totals, outputs: report.outputs, run: report.run, stages: report.stages, notify: report.notify, ...(report.night ? { night: report.night, topic: report.topic, reportFile: report.reportFile } : {}), nights: report.nights, ...(report.upstream ? { upstream: report.upstream, upstreamSummary: report.upstreamSummary } : {}) }, null, 2)}\n`);
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
  return 0;
}

async function status(argv: string[]): Promise<number> {
  const usage = 'usage: skyjoin stream status [--data DIR] [--instance TAG] [--json]';
  const { values } = parse(argv, { data: { type: 'string' }, instance: { type: 'string' }, json: { type: 'boolean' } }, usage);
  const store = StreamStore.at(optionalString(values, 'data') ?? defaultDataDir(), optionalString(values, 'instance'));
  try {
    const { totals, nights } = store.counts();
    const objectsInTable = store.objects.count();
    // Per topic and night: upstream offsets vs what the runs received and stored.
    const upstream = new UpstreamLedger(store).lines();
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ ...totals, objectsInTable, nights, upstream })}\n`);
    } else {
      const head = ['night', ...COUNTERS];
      const rows = [...Object.entries(nights).map(([n, c]) => [n, ...COUNTERS.map((k) => String(c[k]))]), ['total', ...COUNTERS.map((k) => String(totals[k]))]];
      process.stdout.write(`${[head, ...rows].map((r) => r.map((c) => c.padStart(12)).join(' ')).join('\n')}\n`);
      for (const l of upstream) process.stdout.write(`${formatUpstreamLine(l)}\n`);
    }
  } finally {
    await store.close();
  }
  return 0;
}
