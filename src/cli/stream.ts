// skyjoin stream --from kafka://HOST:PORT/TOPIC[,TOPIC...] --group NAME [--data DIR] [--instance TAG]
// skyjoin stream --from file:PATH [--to dir:OUT | kafka://HOST:PORT] [--avro]
// skyjoin stream status --data DIR [--instance TAG] --json

import path from 'node:path';
import { DirSink } from '../stream/sinks/dir.js';
import { KafkaSink } from '../stream/sinks/kafka.js';
import type { OutputSink } from '../stream/sinks/sink.js';
import { fileBatches } from '../stream/sources/file.js';
import { KafkaSource } from '../stream/sources/kafka.js';
import { StreamPipeline } from '../stream/pipeline.js';
import { COUNTERS, StreamStore } from '../stream/store.js';
import { numberFlag, optionalString, parse, requireString } from './args.js';
import { defaultDataDir } from './data-dir.js';
import { UsageError } from './errors.js';

const USAGE = `usage: skyjoin stream --from kafka://HOST:PORT/TOPIC[,TOPIC...] --group NAME [options]
       skyjoin stream --from file:PATH [options]
       skyjoin stream status [--data DIR] [--instance TAG] [--json]
options:
  --data DIR              state: objects, history, archive, cutouts, Parquet (default $SKYJOIN_DATA or ~/.local/share/skyjoin)
  --instance TAG          suffix for every topic, consumer group and store this run creates
  --to dir:OUT | kafka://HOST:PORT   where the output streams go (default: DATA/stream/out for files,
                          the source cluster for Kafka)
  --lsst-schemas DIR      Rubin .avsc folder for Confluent-framed messages (default: catalogs' lsst schemas if present)
  --schema-registry URL   Rubin schemas by id from a Confluent schema registry
  --match-radius-arcsec R object matching radius (default 1.5)
  --idle-exit SECONDS     Kafka: stop after this long without messages (default: run until SIGTERM)
  --no-archive / --no-cutouts / --no-parquet   skip those stores`;

export function parseKafkaUrl(url: string, needTopics: boolean): { brokers: string[]; topics: string[] } {
  const m = /^kafka:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!m) throw new UsageError(`expected kafka://HOST:PORT[,HOST:PORT]/TOPIC[,TOPIC], got '${url}'`);
  const brokers = m[1].split(',').filter(Boolean);
  const topics = (m[2] ?? '').split(',').filter(Boolean);
  if (needTopics && topics.length === 0) throw new UsageError(`no topic in '${url}': kafka://HOST:PORT/TOPIC`);
  for (const b of brokers) if (!/^[^:]+:\d+$/.test(b)) throw new UsageError(`broker must be HOST:PORT, got '${b}'`);
  return { brokers, topics };
}

function sinkFor(to: string | undefined, defaultDir: string, brokers: string[] | null, instance: string | undefined): OutputSink {
  if (!to) return brokers ? new KafkaSink(brokers, instance) : new DirSink(defaultDir, undefined);
  if (to.startsWith('dir:')) return new DirSink(path.resolve(to.slice(4)), instance);
  if (to.startsWith('kafka://')) return new KafkaSink(parseKafkaUrl(to, false).brokers, instance);
  throw new UsageError(`--to must be dir:PATH or kafka://HOST:PORT, got '${to}'`);
}

export async function streamCommand(argv: string[]): Promise<number> {
  if (argv[0] === 'status') return status(argv.slice(1));
  const { values } = parse(argv, {
    from: { type: 'string' }, to: { type: 'string' }, group: { type: 'string' }, data: { type: 'string' },
    instance: { type: 'string' }, 'lsst-schemas': { type: 'string' }, 'schema-registry': { type: 'string' },
    'match-radius-arcsec': { type: 'string' }, 'idle-exit': { type: 'string' }, avro: { type: 'boolean' },
    'no-archive': { type: 'boolean' }, 'no-cutouts': { type: 'boolean' }, 'no-parquet': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  }, USAGE);
  if (values.help) { process.stdout.write(`${USAGE}\n`); return 0; }
  const from = requireString(values, 'from', USAGE);
  const dataDir = optionalString(values, 'data') ?? defaultDataDir();
  const instance = optionalString(values, 'instance');
  if (instance !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(instance)) throw new UsageError(`--instance must be 1-64 of [A-Za-z0-9_.-], got '${instance}'`);
  const radius = numberFlag(values, 'match-radius-arcsec', { min: 0.001, max: 3600, def: 1.5 }, USAGE);
  const kafka = from.startsWith('kafka://') ? parseKafkaUrl(from, true) : null;
  if (!kafka && !from.startsWith('file:')) throw new UsageError(`--from must be kafka://HOST:PORT/TOPIC or file:PATH, got '${from}'`);
  const storeDir = StreamStore.at(dataDir, instance).dir;
  await StreamStore.at(dataDir, instance).close();
  const sink = sinkFor(optionalString(values, 'to'), path.join(storeDir, 'out'), kafka?.brokers ?? null, instance);
  const pipeline = new StreamPipeline({
    dataDir, instance, sink, matchRadiusArcsec: radius,
    decoder: { lsstSchemas: optionalString(values, 'lsst-schemas'), schemaRegistryUrl: optionalString(values, 'schema-registry') },
    archive: !values['no-archive'], cutouts: !values['no-cutouts'], parquet: !values['no-parquet'],
  });
  await pipeline.recover();
  const log = (o: Record<string, unknown>) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...o })}\n`);
  if (!kafka) {
    for (const batch of fileBatches(path.resolve(from.slice(5)))) await pipeline.handle(batch);
  } else {
    const group = requireString(values, 'group', USAGE);
    const idle = numberFlag(values, 'idle-exit', { min: 0.1, def: 0 }, USAGE);
    const source = new KafkaSource({ brokers: kafka.brokers, topics: kafka.topics.map((t) => (instance ? `${t}` : t)), group: instance ? `${group}-${instance}` : group });
    let last = Date.now();
    let stopping = false;
    const done = new Promise<void>((resolve) => {
      const stop = async (why: string) => {
        if (stopping) return;
        stopping = true;
        log({ msg: 'stopping', why });
        await source.stop();
        resolve();
      };
      process.once('SIGTERM', () => void stop('SIGTERM'));
      process.once('SIGINT', () => void stop('SIGINT'));
      if (idle > 0) {
        const t = setInterval(() => { if (Date.now() - last > idle * 1000) { clearInterval(t); void stop(`idle ${idle} s`); } }, 200);
      }
    });
    await source.start(async (msgs) => {
      last = Date.now();
      await pipeline.handle(msgs);
      last = Date.now();
    });
    log({ msg: 'consuming', topics: kafka.topics, group });
    await done;
  }
  const report = pipeline.store.counts();
  await pipeline.close();
  process.stdout.write(`${JSON.stringify({ ...report.totals, outputs: pipeline.outputs, nights: report.nights }, null, 2)}\n`);
  return 0;
}

async function status(argv: string[]): Promise<number> {
  const usage = 'usage: skyjoin stream status [--data DIR] [--instance TAG] [--json]';
  const { values } = parse(argv, { data: { type: 'string' }, instance: { type: 'string' }, json: { type: 'boolean' } }, usage);
  const store = StreamStore.at(optionalString(values, 'data') ?? defaultDataDir(), optionalString(values, 'instance'));
  try {
    const { totals, nights } = store.counts();
    const objectsInTable = store.objects.count();
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ ...totals, objectsInTable, nights })}\n`);
    } else {
      const head = ['night', ...COUNTERS];
      const rows = [...Object.entries(nights).map(([n, c]) => [n, ...COUNTERS.map((k) => String(c[k]))]), ['total', ...COUNTERS.map((k) => String(totals[k]))]];
      process.stdout.write(`${[head, ...rows].map((r) => r.map((c) => c.padStart(12)).join(' ')).join('\n')}\n`);
    }
  } finally {
    await store.close();
  }
  return 0;
}
