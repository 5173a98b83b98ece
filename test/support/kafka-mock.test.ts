import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Kafka, logLevel, Partitioners, type Consumer, type KafkaMessage, type Producer } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { buildKafkaMockLauncher, startKafkaMock, type KafkaMock, type KafkaMockOptions } from './kafka-mock.js';

// The settings tools/kafka-mock/README.md explains: the mock elects a group leader
// 3 s after the first join and sessionTimeout - 1000 ms after any later join or leave.
const RETRY = { initialRetryTime: 100, maxRetryTime: 1000, retries: 10 };
const FAST_CONSUMER = {
  sessionTimeout: 4000,
  heartbeatInterval: 300,
  rebalanceTimeout: 10_000,
  maxWaitTimeInMs: 100,
  allowAutoTopicCreation: false,
  retry: RETRY,
};

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

async function mock(opts?: KafkaMockOptions): Promise<{ m: KafkaMock; kafka: Kafka }> {
  const m = await startKafkaMock(opts);
  cleanups.push(() => m.stop());
  const kafka = new Kafka({ clientId: 'kafka-mock-test', brokers: m.bootstrap, logLevel: logLevel.NOTHING, retry: RETRY });
  return { m, kafka };
}

async function producer(kafka: Kafka): Promise<Producer> {
  const p = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await p.connect();
  cleanups.push(() => p.disconnect());
  return p;
}

interface Got {
  partition: number;
  offset: string;
  message: KafkaMessage;
}

/** A running group consumer collecting what it receives and its latest assignment. */
async function consumer(kafka: Kafka, groupId: string, topic: string) {
  const c: Consumer = kafka.consumer({ groupId, ...FAST_CONSUMER });
  const got: Got[] = [];
  const state = { assigned: [] as number[] };
  c.on(c.events.GROUP_JOIN, (e) => {
    state.assigned = [...(e.payload.memberAssignment[topic] ?? [])].sort();
  });
  await c.connect();
  cleanups.push(() => c.disconnect());
  await c.subscribe({ topics: [topic], fromBeginning: true });
  await c.run({ eachMessage: async ({ partition, message }) => void got.push({ partition, offset: message.offset, message }) });
  return { c, got, state };
}

async function waitFor(what: string, cond: () => boolean, deadlineMs = 20_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const values = (got: Got[]) => got.map((g) => String(g.message.value));

describe('kafka mock cluster with kafkajs', () => {
  it('produces and fetches messages with keys and headers', async () => {
    const { kafka } = await mock({ topics: { alerts: 2 } });
    const p = await producer(kafka);
    const sent = Array.from({ length: 12 }, (_, i) => ({
      key: `obj-${i % 3}`,
      value: `alert-${i}`,
      headers: { schema: 'v1', seq: String(i) },
    }));
    await p.send({ topic: 'alerts', messages: sent });
    const { got } = await consumer(kafka, 'g-basic', 'alerts');
    await waitFor('12 messages', () => got.length === 12);

    expect(values(got).sort()).toEqual(sent.map((s) => s.value).sort());
    for (const g of got) {
      const i = Number(String(g.message.headers?.seq));
      expect(String(g.message.key)).toBe(`obj-${i % 3}`);
      expect(String(g.message.value)).toBe(`alert-${i}`);
      expect(String(g.message.headers?.schema)).toBe('v1');
    }
    // One key, one partition, in send order.
    for (let k = 0; k < 3; k++) {
      const mine = got.filter((g) => String(g.message.key) === `obj-${k}`);
      expect(new Set(mine.map((g) => g.partition)).size).toBe(1);
      expect(mine.map((g) => Number(String(g.message.headers?.seq)))).toEqual([k, k + 3, k + 6, k + 9]);
    }
  });

  it('splits a 4-partition topic between two consumers of one group, each message once', async () => {
    const { kafka } = await mock({ topics: { split: 4 } });
    // One after the other: the mock coordinator can refuse (INVALID_REQUEST)
    // a member that joins in the same round as another, and kafkajs does not
    // retry that.
    const a = await consumer(kafka, 'g-split', 'split');
    await waitFor('the first member to join', () => a.state.assigned.length > 0);
    const b = await consumer(kafka, 'g-split', 'split');
    await waitFor('a stable two-member assignment', () => {
      const all = [...a.state.assigned, ...b.state.assigned].sort();
      return a.state.assigned.length > 0 && b.state.assigned.length > 0 && all.join() === '0,1,2,3';
    });
    const p = await producer(kafka);
    await p.send({
      topic: 'split',
      messages: Array.from({ length: 40 }, (_, i) => ({ partition: i % 4, key: `k${i}`, value: `v${i}` })),
    });
    await waitFor('40 messages', () => a.got.length + b.got.length >= 40);
    await new Promise((r) => setTimeout(r, 300)); // room for a duplicate to show up

    for (const side of [a, b]) {
      expect(side.got.length).toBeGreaterThan(0);
      for (const g of side.got) expect(side.state.assigned).toContain(g.partition);
    }
    const all = [...values(a.got), ...values(b.got)].sort();
    expect(all).toEqual(Array.from({ length: 40 }, (_, i) => `v${i}`).sort());
  });

  it('resumes after the last committed offset when a consumer restarts', async () => {
    const { kafka } = await mock({ topics: { resume: 2 } });
    const p = await producer(kafka);
    const batch = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({ partition: (from + i) % 2, value: `m${from + i}` }));
    await p.send({ topic: 'resume', messages: batch(0, 10) });

    const first = await consumer(kafka, 'g-resume', 'resume');
    await waitFor('first 10', () => first.got.length === 10);
    await first.c.disconnect(); // commits what it has processed, then leaves the group

    const admin = kafka.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    const committed = await admin.fetchOffsets({ groupId: 'g-resume', topics: ['resume'] });
    expect(committed[0].partitions.map((q) => q.offset).sort()).toEqual(['5', '5']);

    await p.send({ topic: 'resume', messages: batch(10, 6) });
    const second = await consumer(kafka, 'g-resume', 'resume');
    await waitFor('the 6 new ones', () => second.got.length >= 6);
    await new Promise((r) => setTimeout(r, 300));
    expect(values(second.got).sort()).toEqual(['m10', 'm11', 'm12', 'm13', 'm14', 'm15']);
    expect(second.got.every((g) => Number(g.offset) >= 5)).toBe(true);
  });

  it('consumes a topic created late, with the partition count asked for', async () => {
    const { m, kafka } = await mock();
    const admin = kafka.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    expect(await admin.listTopics()).not.toContain('late');

    // Without the topic, subscribing fails (and does not auto-create it).
    const early = kafka.consumer({ groupId: 'g-late', ...FAST_CONSUMER, retry: { retries: 1, initialRetryTime: 50 } });
    await early.connect();
    cleanups.push(() => early.disconnect());
    await expect(early.subscribe({ topics: ['late'] })).rejects.toThrow(/does not host this topic/);
    await early.disconnect();
    expect(await admin.listTopics()).not.toContain('late');

    await m.createTopic('late', 3);
    await expect(m.createTopic('late', 3)).rejects.toThrow(/already exists/);
    const meta = await admin.fetchTopicMetadata({ topics: ['late'] });
    expect(meta.topics[0].partitions.map((q) => q.partitionId).sort()).toEqual([0, 1, 2]);

    const p = await producer(kafka);
    await p.send({ topic: 'late', messages: [0, 1, 2].map((i) => ({ partition: i, value: `late-${i}` })) });
    const { got } = await consumer(kafka, 'g-late', 'late');
    await waitFor('3 messages', () => got.length === 3);
    expect(got.map((g) => g.partition).sort()).toEqual([0, 1, 2]);
  });

  it('delivers through a broker outage: a retrying producer and consumer lose nothing', async () => {
    const { m, kafka } = await mock({ topics: { outage: 2 } });
    const p = await producer(kafka);
    const { got } = await consumer(kafka, 'g-outage', 'outage');
    await p.send({ topic: 'outage', messages: [0, 1, 2, 3].map((i) => ({ key: `k${i}`, value: `before-${i}` })) });
    await waitFor('4 messages before the outage', () => got.length === 4);

    await m.brokerDown(1);
    let delivered = false;
    const sending = p
      .send({ topic: 'outage', messages: [0, 1, 2, 3].map((i) => ({ key: `k${i}`, value: `after-${i}` })) })
      .then(() => void (delivered = true));
    await new Promise((r) => setTimeout(r, 1500));
    expect(delivered).toBe(false); // still retrying while the broker is down
    await m.brokerUp(1);
    await sending;

    await waitFor('8 messages', () => got.length >= 8);
    await new Promise((r) => setTimeout(r, 300));
    expect(values(got).sort()).toEqual([0, 1, 2, 3].flatMap((i) => [`after-${i}`, `before-${i}`]).sort());
  });

  it('runs several brokers, spreads leaders and moves one', async () => {
    const { m, kafka } = await mock({ brokers: 3, topics: { multi: 6 } });
    expect(m.bootstrap).toHaveLength(3);
    for (const b of m.bootstrap) expect(b).toMatch(/^127\.0\.0\.1:\d+$/);
    const admin = kafka.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    const leaders = async () =>
      (await admin.fetchTopicMetadata({ topics: ['multi'] })).topics[0].partitions
        .sort((x, y) => x.partitionId - y.partitionId)
        .map((q) => q.leader);
    expect(new Set(await leaders()).size).toBeGreaterThan(1);
    await m.setLeader('multi', 0, 3);
    expect((await leaders())[0]).toBe(3);
  });
});

describe('kafka mock harness', () => {
  it('validates its arguments', async () => {
    await expect(startKafkaMock({ brokers: 0 })).rejects.toThrow(RangeError);
    await expect(startKafkaMock({ brokers: 1.5 })).rejects.toThrow(TypeError);
    await expect(startKafkaMock({ topics: { 'bad/name': 1 } })).rejects.toThrow(/topic name/);
    await expect(startKafkaMock({ topics: { ok: 0 } })).rejects.toThrow(/partitions of topic ok must be in/);
    const { m } = await mock();
    await expect(m.createTopic('x', 0)).rejects.toThrow(RangeError);
    await expect(m.brokerDown(2)).rejects.toThrow(/broker id must be in \[-1, 1\], got 2/);
    await expect(m.brokerUp(0)).rejects.toThrow(/Broker not available/);
    await m.brokerDown(-1);
    await m.brokerUp(-1);
    await m.stop();
    await m.stop(); // idempotent
    await expect(m.createTopic('after', 1)).rejects.toThrow(/launcher exited/);
  });

  it('launcher exits on stdin EOF and on SIGTERM, and rejects bad arguments', async () => {
    const bin = await buildKafkaMockLauncher();
    const start = async () => {
      const child = spawn(bin, ['t:2'], { stdio: ['pipe', 'pipe', 'pipe'] });
      const [line] = (await once(child.stdout, 'data')) as [Buffer];
      expect(String(line)).toMatch(/^BOOTSTRAP 127\.0\.0\.1:\d+\n$/);
      return child;
    };
    const eof = await start();
    eof.stdin.end();
    expect(await once(eof, 'exit')).toEqual([0, null]);
    const term = await start();
    term.kill('SIGTERM');
    expect(await once(term, 'exit')).toEqual([0, null]);

    const bad = spawn(bin, ['-b', '0'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    bad.stderr.on('data', (d: Buffer) => (stderr += String(d)));
    expect((await once(bad, 'exit'))[0]).toBe(2);
    expect(stderr).toMatch(/BROKERS must be an integer/);
  });
});
