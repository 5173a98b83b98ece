// The night's conductor against the mock cluster: tonight's topic does not
// exist when the run starts; the conductor waits for it, consumes it, and
// ends the night once idle after the end hour, with a night report.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endAfterTime, nightOver, resolveNight, topicFor, utcDate } from '../../src/stream/night.js';
import { runStream } from '../../src/stream/run.js';
import { DirSink } from '../../src/stream/sinks/dir.js';
import { fileSourceFiles } from '../../src/stream/sources/file.js';
import { startKafkaMock, type KafkaMock } from '../support/kafka-mock.js';
import { SHARED_DATA } from '../support/vectors.js';
import { tempDir } from '../support/tmp.js';

const ZTF = path.join(SHARED_DATA, 'ztf', 'alerts');
const FAST = { sessionTimeout: 4000, heartbeatInterval: 300, maxWaitTimeInMs: 100 };
const tmp = tempDir();
let mock: KafkaMock;

function someAlerts(n: number): Buffer[] {
  return fileSourceFiles(ZTF).slice(0, n).map((f) => readFileSync(f));
}

beforeAll(async () => {
  mock = await startKafkaMock({ topics: {} });
}, 60_000);

afterAll(async () => {
  await mock?.stop();
  tmp.cleanup();
});

describe('night plan', () => {
  it('names the topic of a night and knows when the night may end', () => {
    expect(topicFor('ztf_{date}_programid1', '20180801')).toBe('ztf_20180801_programid1');
    expect(() => topicFor('ztf_programid1', '20180801')).toThrow(/must contain \{date\}/);
    expect(() => topicFor('ztf {date}', '20180801')).toThrow(/not a valid Kafka topic/);
    expect(resolveNight('auto', Date.UTC(2018, 7, 1, 3, 0))).toBe('20180801');
    expect(utcDate(Date.UTC(2018, 11, 31, 23, 59))).toBe('20181231');
    expect(() => resolveNight('2018-08-01')).toThrow(/YYYYMMDD/);
    expect(() => resolveNight('20181345')).toThrow(/YYYYMMDD/);
    const end = endAfterTime('20180801', '13:30');
    expect(new Date(end).toISOString()).toBe('2018-08-01T13:30:00.000Z');
    expect(() => endAfterTime('20180801', '25:00')).toThrow(/HH:MM/);
    // Idle before the end hour does not end the night; after it, it does.
    expect(nightOver(end - 1, end - 3_600_000, end, 60_000)).toBe(false);
    expect(nightOver(end + 61_000, end, end, 60_000)).toBe(true);
    expect(nightOver(end + 30_000, end, end, 60_000)).toBe(false);
  });
});

describe('the night conductor', () => {
  it('waits for a topic that appears late, consumes it, ends on idle and writes the night report', async () => {
    const night = '20180801';
    const topic = 'ztf_20180801_programid1';
    const data = path.join(tmp.dir, 'night');
    const logs: Array<Record<string, unknown>> = [];
    const started = Date.now();
    const run = runStream({
      dataDir: data, sink: new DirSink(path.join(data, 'out')), consumer: FAST,
      source: { kind: 'night', brokers: mock.bootstrap, group: 'conductor', plan: { pattern: 'ztf_{date}_programid1', night, pollMs: 200, endAfter: '00:00', idleMs: 2500, maxWaitMs: 60_000 } },
      log: (o) => logs.push(o),
    });
    let ended = 0;
    void run.then(() => { ended = Date.now(); }, () => { ended = Date.now(); });
    // The topic appears four seconds into the run: the conductor must still be waiting, not gone.
    await new Promise((r) => setTimeout(r, 4000));
    expect(ended).toBe(0);
    expect(logs.some((l) => l.msg === 'waiting for topic' && l.topic === topic)).toBe(true);
    await mock.createTopic(topic, 2);
    const kafka = new Kafka({ clientId: 't', brokers: mock.bootstrap, logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const alerts = someAlerts(30);
    await producer.send({ topic, messages: alerts.map((value, i) => ({ key: String(i), value })) });
    const appeared = Date.now();
    await producer.disconnect();
    const report = await run;
    expect(ended).toBeGreaterThan(appeared);
    expect(report.night).toBe(night);
    expect(report.topic).toBe(topic);
    expect(report.totals).toMatchObject({ received: 30, deadLettered: 0 });
    expect(report.outputs.annotated).toBe(30);
    expect(report.run.messages).toBe(30);
    // Idle for the configured 2.5 s after the last batch before the night ended.
    expect(Date.now() - started).toBeGreaterThan(4000 + 2500);
    expect(logs.some((l) => typeof l.why === 'string' && l.why.startsWith('night over'))).toBe(true);
    // The log says which partitions this member got, and that it left the group on the way out.
    expect(logs.find((l) => l.msg === 'joined group')?.partitions).toEqual({ [topic]: [0, 1] });
    expect(logs.some((l) => l.msg === 'left the group')).toBe(true);
    // The night report: part 1's accounting plus outputs and per-catalog hit rates.
    expect(report.reportFile).toBeDefined();
    const saved = JSON.parse(readFileSync(report.reportFile!, 'utf8'));
    expect(saved.totals).toEqual(report.totals);
    expect(saved.nights).toEqual(report.nights);
    const catalogs = saved.stages.annotate.annotation.catalogs;
    expect(Object.keys(catalogs).sort()).toEqual(['bsc5', 'gcvs', 'openngc']);
    for (const c of Object.values(catalogs) as Array<Record<string, number>>) expect(c.alerts_checked).toBe(30);
    expect(saved.stages.watch.alertsChecked).toBe(30);
    expect(existsSync(path.join(data, 'out', 'annotated.jsonl'))).toBe(true);
  }, 120_000);

  it('ends the night empty when the topic never appears', async () => {
    const data = path.join(tmp.dir, 'empty');
    const report = await runStream({
      dataDir: data, sink: new DirSink(path.join(data, 'out')), consumer: FAST, annotate: false, watch: false,
      source: { kind: 'night', brokers: mock.bootstrap, group: 'c2', plan: { pattern: 'ztf_{date}_programid2', night: '20180802', pollMs: 200, endAfter: '00:00', idleMs: 500, maxWaitMs: 1500 } },
    });
    expect(report.topic).toBeNull();
    expect(report.totals.received).toBe(0);
    expect(JSON.parse(readFileSync(report.reportFile!, 'utf8')).topic).toBeNull();
  }, 60_000);
});
