// The stream against a real Kafka-protocol broker (librdkafka's mock cluster).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ang2pixNest } from '../../src/healpix/api.js';
import { AlertDecoder } from '../../src/stream/decoding/decoder.js';
import { StreamPipeline } from '../../src/stream/pipeline.js';
import { runStream } from '../../src/stream/run.js';
import { DirSink } from '../../src/stream/sinks/dir.js';
import { KafkaSink } from '../../src/stream/sinks/kafka.js';
import { fileSourceFiles } from '../../src/stream/sources/file.js';
import { KafkaSource } from '../../src/stream/sources/kafka.js';
import { startKafkaMock, type KafkaMock } from '../support/kafka-mock.js';
import { dumpStream, withoutObjectIds } from '../support/stream-dump.js';
import { SHARED_DATA } from '../support/vectors.js';
import { tempDir } from '../support/tmp.js';

const ZTF = path.join(SHARED_DATA, 'ztf', 'alerts');
const FAST = { sessionTimeout: 4000, heartbeatInterval: 300, maxWaitTimeInMs: 100 };
const tmp = tempDir();
let mock: KafkaMock;
let kafka: Kafka;
let producer: Producer;


/** Real ZTF packets keyed by a coarse HEALPix pixel (order 3), as the replay tool does. */
async function messages(): Promise<Array<{ key: string; value: Buffer }>> {
  const dec = new AlertDecoder();
  const out: Array<{ key: string; value: Buffer }> = [];
  for (const f of fileSourceFiles(ZTF)) {
    const value = readFileSync(f);
    const [a] = await dec.decode(value);
    out.push({ key: String(ang2pixNest(3, a.ra, a.dec)), value });
  }
  return out;
}

async function until(cond: () => boolean, ms = 60_000): Promise<void> {
  const t = Date.now();
  while (!cond()) {
    if (Date.now() - t > ms) throw new Error(`timed out waiting: ${String(cond)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Consumes `topics` in `group` until `want` holds. With several consumers they
 * join one after another (the mock coordinator refuses members that join in
 * the same round), and `produce` runs once every member holds a share of the
 * partitions, so no member can take the whole topic before the others join.
 */
async function consumeAll(dataDir: string, topics: string | string[], group: string, want: (p: StreamPipeline) => boolean, opts: { consumers?: number; partitions?: number; produce?: () => Promise<unknown> } = {}): Promise<StreamPipeline[]> {
  const n = opts.consumers ?? 1;
  const pipes = Array.from({ length: n }, () => new StreamPipeline({ dataDir, sink: new KafkaSink(mock.bootstrap, 'test') }));
  const sources = pipes.map((p) => new KafkaSource({ brokers: mock.bootstrap, topics: typeof topics === 'string' ? [topics] : topics, group, maxBatch: 25, ...FAST }));
  // Each member's latest assignment, as partition counts.
  const held = new Array<number>(n).fill(0);
  sources.forEach((s, i) => s.consumer.on(s.consumer.events.GROUP_JOIN, (e) => {
    held[i] = Object.values(e.payload.memberAssignment).reduce((k, parts) => k + parts.length, 0);
  }));
  for (let i = 0; i < n; i++) {
    await sources[i].start((m) => pipes[i].handle(m).then(() => undefined));
    await until(() => held[i] > 0);
  }
  if (opts.produce) {
    const total = opts.partitions ?? 4;
    // Settled: every member holds some, and together exactly the topic's partitions.
    await until(() => held.every((h) => h > 0) && held.reduce((a, b) => a + b, 0) === total);
    await opts.produce();
  }
  await until(() => want(pipes[0])).catch((e) => { throw new Error(`${(e as Error).message}: ${JSON.stringify(pipes.map((p) => p.store.counts().totals))}`); });
  // Let commits land, then stop.
  await new Promise((r) => setTimeout(r, 500));
  await Promise.all(sources.map((s) => s.stop()));
  return pipes;
}

beforeAll(async () => {
  mock = await startKafkaMock({ topics: { ztf: 4, 'ztf-again': 4, ztf2: 4 } });
  kafka = new Kafka({ clientId: 'test', brokers: mock.bootstrap, logLevel: logLevel.NOTHING, retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 10 } });
  producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
}, 60_000);

afterAll(async () => {
  await producer?.disconnect();
  await mock?.stop();
  tmp.cleanup();
});

describe('stream from Kafka', () => {
  it('consumes a real night in a group, dead-letters garbage, and ignores an upstream replay', async () => {
    const msgs = await messages();
    await producer.send({ topic: 'ztf', messages: [...msgs, { key: 'x', value: Buffer.from('not an alert') }] });
    const data = path.join(tmp.dir, 'k1');
    let [p] = await consumeAll(data, 'ztf', 'g1', (x) => x.store.counts().totals.received >= 262);
    const t1 = p.store.counts().totals;
    expect(t1).toMatchObject({ received: 262, decoded: 261, deadLettered: 1, objects: 220, duplicatesSkipped: 1 });
    await p.close();
    const before = await dumpStream(data);
    // The dead letter is on its topic, with the reason and the original bytes.
    const dl: Array<Record<string, string>> = [];
    const c = kafka.consumer({ groupId: 'dl-reader', ...FAST });
    await c.connect();
    await c.subscribe({ topic: 'deadletter-test', fromBeginning: true });
    await c.run({ eachMessage: async ({ message }) => { dl.push(JSON.parse(message.value!.toString())); } });
    await until(() => dl.length >= 1);
    await c.disconnect();
    expect(dl[0]).toMatchObject({ reason: 'bad-container', topic: 'ztf' });
    expect(Buffer.from(dl[0].value, 'base64').toString()).toBe('not an alert');
    // The upstream sends the whole night again, under new offsets. (On a
    // second topic: the mock broker keeps only ~5 MB per partition and would
    // delete the first night's segments, which is retention, not replay.)
    await producer.send({ topic: 'ztf-again', messages: msgs });
    [p] = await consumeAll(data, ['ztf', 'ztf-again'], 'g1', (x) => x.store.counts().totals.received >= 262 + 261);
    const t2 = p.store.counts().totals;
    await p.close();
    expect(t2.duplicatesSkipped - t1.duplicatesSkipped).toBe(261);
    expect({ ...t2, received: 0, decoded: 0, duplicatesSkipped: 0 }).toEqual({ ...t1, received: 0, decoded: 0, duplicatesSkipped: 0 });
    const after = await dumpStream(data);
    for (const k of ['objects', 'detections', 'nondet', 'aliases', 'archived', 'parquetRows', 'cutouts']) expect(after[k], k).toEqual(before[k]);
  }, 180_000);

  it('two consumers in one group split the partitions and build the same stores as one', async () => {
    const msgs = await messages();
    // The pair joins an empty topic and the night arrives once both hold a
    // share; the single consumer then reads the same topic from the start.
    const two = path.join(tmp.dir, 'two');
    const pipes = await consumeAll(two, 'ztf2', 'pair', (x) => x.store.counts().totals.received >= 261,
      { consumers: 2, partitions: 4, produce: () => producer.send({ topic: 'ztf2', messages: msgs }) });
    // Both members took a share of the partitions.
    for (const p of pipes) expect(p.latencies.length).toBeGreaterThan(0);
    await Promise.all(pipes.map((p) => p.close()));
    const one = path.join(tmp.dir, 'one');
    const [p1] = await consumeAll(one, 'ztf2', 'solo', (x) => x.store.counts().totals.received >= 261);
    await p1.close();
    const a = withoutObjectIds(await dumpStream(one)), b = withoutObjectIds(await dumpStream(two));
    for (const k of ['objects', 'detections', 'nondet', 'aliases', 'counts', 'archived', 'parquetRows']) expect(b[k], k).toEqual(a[k]);
  }, 180_000);

  it('rides out a broker outage: retries, resumes, loses nothing', async () => {
    // Four partitions keep each under the mock's ~5 MB per-partition log
    // (it deletes older segments beyond that: retention, not a lost message).
    await mock.createTopic('ztf3', 4);
    // Spread evenly (not by sky region) so no partition nears that limit.
    const msgs = (await messages()).slice(0, 120).map((m, i) => ({ ...m, key: String(i) }));
    await producer.send({ topic: 'ztf3', messages: msgs.slice(0, 60) });
    const data = path.join(tmp.dir, 'outage');
    const p = new StreamPipeline({ dataDir: data, sink: new KafkaSink(mock.bootstrap, 'outage') });
    const s = new KafkaSource({ brokers: mock.bootstrap, topics: ['ztf3'], group: 'g3', maxBatch: 10, ...FAST });
    await s.start((m) => p.handle(m).then(() => undefined));
    await until(() => p.store.counts().totals.received >= 60);
    await mock.brokerDown(-1);
    await new Promise((r) => setTimeout(r, 3000));
    await mock.brokerUp(-1);
    await producer.send({ topic: 'ztf3', messages: msgs.slice(60) });
    await until(() => p.store.counts().totals.received >= 120, 90_000);
    await s.stop();
    expect(p.store.counts().totals).toMatchObject({ received: 120, deadLettered: 0 });
    await p.close();
  }, 180_000);

  it('replaces a consumer that crashed for good while joining, and still ends on idle', async () => {
    await mock.createTopic('ztf4', 2);
    const msgs = (await messages()).slice(0, 40).map((m, i) => ({ ...m, key: String(i) }));
    await producer.send({ topic: 'ztf4', messages: msgs });
    // INVALID_REQUEST (42) to the first JoinGroup (API key 11): an error
    // kafkajs does not retry, so its consumer crashes before it ever joins.
    await mock.pushRequestErrors(11, 42, 1);
    const data = path.join(tmp.dir, 'rejoin');
    const logs: Array<Record<string, unknown>> = [];
    const report = await runStream({
      dataDir: data, sink: new DirSink(path.join(data, 'out')), consumer: FAST, annotate: false, watch: false,
      source: { kind: 'kafka', brokers: mock.bootstrap, topics: ['ztf4'], group: 'g4', idleExitMs: 2000 },
      log: (o) => logs.push(o),
    });
    const msgsOf = (m: string) => logs.filter((l) => l.msg === m);
    expect(msgsOf('consumer crashed')).toHaveLength(1);
    expect(msgsOf('restarting the consumer')).toHaveLength(1);
    expect(msgsOf('joined group').at(-1)?.partitions).toEqual({ ztf4: [0, 1] });
    expect(report.totals).toMatchObject({ received: 40, decoded: 40, deadLettered: 0 });
    // Leaving the group is the consumer's last word; the run's summary lines ('upstream') follow it.
    expect(logs.filter((l) => l.msg !== 'upstream').at(-1)?.msg).toBe('left the group');
    expect(logs.at(-1)).toMatchObject({ msg: 'upstream', line: expect.stringMatching(/^topic ztf4 night \*: upstream 40 .* received 40, .* missing 0$/) });
    const all = report.upstream!.find((l) => l.night === '*')!;
    expect(all.stored + all.duplicatesSkipped).toBe(40);
    expect(all.duplicatesSkipped).toBe(report.totals.duplicatesSkipped);
  }, 120_000);
});
