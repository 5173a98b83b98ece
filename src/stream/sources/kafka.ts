// `--from kafka://HOST:PORT/TOPIC[,TOPIC...]`: a kafkajs consumer in a group,
// so several processes share the partitions. Offsets are committed only after
// a batch's stores have committed and its outputs were acknowledged.

import { Kafka, logLevel, type Consumer, type EachBatchPayload } from 'kafkajs';
import type { KafkaAuth } from '../kafka/auth-config.js';
import type { SourceMessage } from '../stage.js';

export interface KafkaSourceOptions {
  brokers: string[];
  topics: string[] | RegExp[];
  group: string;
  /** Messages handed to the handler at a time (kafkajs batches are split). */
  maxBatch?: number;
  /** Test-friendly timings (the librdkafka mock coordinator is slow to rebalance otherwise). */
  sessionTimeout?: number;
  heartbeatInterval?: number;
  maxWaitTimeInMs?: number;
  clientId?: string;
  /** Called when the consumer crashes and kafkajs gives up retrying. */
  onCrash?: (err: Error) => void;
  /** Partitions fetched and handed over at once (default 16); their messages share one handler call. */
  partitionsConsumedConcurrently?: number;
  /** TLS / SASL (--kafka-config); none: plaintext. */
  auth?: KafkaAuth;
}

export type BatchHandler = (messages: SourceMessage[]) => Promise<void>;

export class KafkaSource {
  readonly consumer: Consumer;
  private readonly kafka: Kafka;
  // Group commit: kafkajs hands over one partition per eachBatch call, and a
  // topic spread over many partitions would then cost one store transaction
  // (and fsync) per partition's few messages. Concurrent calls queue their
  // messages here; one handler call takes everything queued, and each call
  // resolves (and commits its offsets) only after that handler call is done.
  private queue: Array<{ msgs: SourceMessage[]; done: (err?: unknown) => void }> = [];
  private draining = false;

  constructor(readonly opts: KafkaSourceOptions) {
    this.kafka = new Kafka({
      clientId: opts.clientId ?? 'skyjoin-stream', brokers: opts.brokers, logLevel: process.env.SKYJOIN_KAFKA_LOG ? logLevel.DEBUG : logLevel.NOTHING,
      retry: { initialRetryTime: 200, maxRetryTime: 5000, retries: 50 }, ...opts.auth?.kafkajs(),
    });
    this.consumer = this.kafka.consumer({
      groupId: opts.group, allowAutoTopicCreation: false,
      sessionTimeout: opts.sessionTimeout ?? 30_000, heartbeatInterval: opts.heartbeatInterval ?? 3000,
      rebalanceTimeout: 60_000, maxWaitTimeInMs: opts.maxWaitTimeInMs ?? 500,
      retry: { initialRetryTime: 200, maxRetryTime: 5000, retries: 50 },
    });
  }

  admin() {
    return this.kafka.admin();
  }

  private submit(handle: BatchHandler, msgs: SourceMessage[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ msgs, done: (err) => (err === undefined ? resolve() : reject(err)) });
      if (this.draining) return;
      this.draining = true;
      // setImmediate lets the other partitions' calls of this fetch queue up first.
      setImmediate(async () => {
        while (this.queue.length) {
          const jobs = this.queue.splice(0);
          try {
            await handle(jobs.length === 1 ? jobs[0].msgs : jobs.flatMap((j) => j.msgs));
            for (const j of jobs) j.done();
          } catch (err) {
            for (const j of jobs) j.done(err ?? new Error('batch handler failed'));
          }
        }
        this.draining = false;
      });
    });
  }

  async start(handle: BatchHandler): Promise<void> {
    const c = this.consumer;
    if (this.opts.onCrash) c.on(c.events.CRASH, (e) => { if (!e.payload.restart) this.opts.onCrash!(e.payload.error); });
    await c.connect();
    for (const t of this.opts.topics) await c.subscribe({ topic: t, fromBeginning: true });
    const max = this.opts.maxBatch ?? 1000;
    await c.run({
      autoCommit: false,
      partitionsConsumedConcurrently: this.opts.partitionsConsumedConcurrently ?? 16,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload) => {
        const msgs = batch.messages;
        for (let i = 0; i < msgs.length && isRunning() && !isStale(); i += max) {
          const part = msgs.slice(i, i + max);
          await this.submit(handle, part.map((m) => ({
            topic: batch.topic, partition: batch.partition, offset: BigInt(m.offset), value: m.value ?? new Uint8Array(0),
            timestamp: Number(m.timestamp), origin: `${batch.topic}/${batch.partition}@${m.offset}`,
          })));
          // Stores committed and outputs acknowledged: now the offset may move.
          resolveOffset(part[part.length - 1].offset);
          await commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(part[part.length - 1].offset) + 1n).toString() }] }] });
          await heartbeat();
        }
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
