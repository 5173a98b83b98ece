// replayAlerts: real alert files -> Kafka, at a set rate, optionally
// multiplied on the sky. Used by `skyjoin replay` and the stream benchmark.
//
// Files are read one at a time in sorted path order (a folder is searched
// recursively), each alert becomes K messages (its copies, in copy order),
// messages go out in batches with acks from all in-sync replicas, one batch in
// flight while the next is encoded. Rate: a token schedule, a batch leaves no
// earlier than t0 + (messages up to its last) / rate, so the achieved rate
// (messages / seconds) never exceeds the asked one and bursts stay within a
// batch (about 1/50 s of messages).

import { readFileSync } from 'node:fs';
import { CompressionTypes, Kafka, logLevel, type Message, type Producer } from 'kafkajs';
import { AlertDecoder } from '../decoding/decoder.js';
import { PLAINTEXT, type KafkaAuth } from '../kafka/auth-config.js';
import { checkKafka } from '../kafka/connect-check.js';
import { fileSourceFiles } from '../sources/file.js';
import { alertCopies, DEFAULT_SPACING_ARCSEC } from './multiply.js';
import { DEFAULT_REGION_ORDER, partitionOfRegion, regionOf } from './partition.js';
import { gridSide } from './rotation.js';
import { alertUnits } from './units.js';

export interface ReplayOptions {
  /** A folder of .avro files (recursive) or one file. */
  from: string;
  brokers: string[];
  /** TLS / SASL (--kafka-config); none: plaintext. */
  auth?: KafkaAuth;
  topic: string;
  /**
   * Messages per second overall; 0 or undefined: as fast as the broker takes
   * them. With a limit up to 50,000, the messages are all made first and the
   * clock starts after (making copies would otherwise compete for the cores).
   */
  rate?: number;
  /** Copies per alert, a perfect square (default 1: the alerts as they are). */
  multiply?: number;
  spacingArcsec?: number;
  /** Explicit partition = region pixel mod partitions; undefined: key hashing by kafkajs. */
  partitions?: number;
  /** HEALPix order of the regions (default 4). */
  regionOrder?: number;
  /** Replace the image stamps by null (smaller messages). */
  stripCutouts?: boolean;
  /** Rubin .avsc folder, for Confluent-framed input files. */
  lsstSchemas?: string;
  /** Stop after this many messages. */
  limit?: number;
  /** Messages per produce request (default 500; fewer at low rates so batches leave ~50 times a second). */
  batchMessages?: number;
  /** Bytes per produce request (default 4 MiB). */
  batchBytes?: number;
  compression?: 'none' | 'gzip';
  /** Producer retries before giving up (default 8, about 20 s). */
  retries?: number;
  clientId?: string;
  signal?: AbortSignal;
  onProgress?: (p: ReplayProgress) => void;
  progressEveryMs?: number;
}

export interface ReplayProgress {
  messages: number;
  bytes: number;
  seconds: number;
  rate: number;
}

export interface ReplayReport extends ReplayProgress {
  topic: string;
  files: number;
  /** Alerts read from the files (before multiplying). */
  alerts: number;
  multiply: number;
  /** Messages per partition, when partitions were set. */
  perPartition?: number[];
  interrupted: boolean;
}

export class ReplayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplayError';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function check(opts: ReplayOptions): void {
  if (opts.rate !== undefined && !(opts.rate >= 0 && Number.isFinite(opts.rate))) throw new RangeError(`rate must be >= 0 messages/s, got ${opts.rate}`);
  gridSide(opts.multiply ?? 1);
  if (opts.partitions !== undefined && !(Number.isInteger(opts.partitions) && opts.partitions >= 1)) throw new RangeError(`partitions must be an integer >= 1, got ${opts.partitions}`);
  const order = opts.regionOrder ?? DEFAULT_REGION_ORDER;
  if (!(Number.isInteger(order) && order >= 0 && order <= 12)) throw new RangeError(`regionOrder must be an integer in [0, 12], got ${order}`);
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(opts.topic)) throw new RangeError(`topic must be 1-249 of [A-Za-z0-9._-], got '${opts.topic}'`);
}

function why(err: unknown): string {
  const e = err as Error & { cause?: Error; originalError?: Error };
  const inner = e.originalError ?? e.cause;
  return inner && inner.message !== e.message ? `${e.message} (${inner.message})` : e.message;
}

/**
 * Partition count of the topic. A missing topic is created the way producing
 * creates it (the broker's auto-creation, its default partition count): an
 * empty send makes the producer ask for the topic's metadata with
 * auto-creation on (kafkajs' admin metadata request does not create).
 */
async function topicPartitions(kafka: Kafka, producer: Producer, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    try {
      return (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions.length ?? 0;
    } catch (err) {
      if ((err as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw err;
    }
    await producer.send({ topic, messages: [] });
    return (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions.length ?? 0;
  } finally {
    await admin.disconnect();
  }
}

/** With a rate, up to this many messages are made before the clock starts. */
const AHEAD_LIMIT = 50_000;

export async function replayAlerts(opts: ReplayOptions): Promise<ReplayReport> {
  check(opts);
  const files = fileSourceFiles(opts.from);
  if (files.length === 0) throw new ReplayError(`no .avro files in ${opts.from}`);
  const K = opts.multiply ?? 1;
  const order = opts.regionOrder ?? DEFAULT_REGION_ORDER;
  const rate = opts.rate ?? 0;
  const where = `kafka://${opts.brokers.join(',')}/${opts.topic}`;
  const retries = opts.retries ?? 8;
  // One bounded login first: a refused password or an untrusted certificate is one line, not retries.
  await checkKafka(opts.brokers, opts.auth ?? PLAINTEXT, opts.clientId ?? 'skyjoin-replay');
  const kafka = new Kafka({
    clientId: opts.clientId ?? 'skyjoin-replay', brokers: opts.brokers, logLevel: logLevel.NOTHING,
    connectionTimeout: 3000, retry: { initialRetryTime: 300, maxRetryTime: 5000, retries }, ...opts.auth?.kafkajs(),
  });
  const producer: Producer = kafka.producer({ allowAutoTopicCreation: true, idempotent: false, retry: { initialRetryTime: 300, maxRetryTime: 5000, retries } });
  try {
    await producer.connect();
  } catch (err) {
    throw new ReplayError(`cannot reach the Kafka broker at ${opts.brokers.join(',')} after ${retries} retries: ${why(err)}`);
  }
  try {
    let have: number;
    try {
      have = await topicPartitions(kafka, producer, opts.topic);
    } catch (err) {
      throw new ReplayError(`cannot read the metadata of topic '${opts.topic}' at ${where}: ${why(err)}`);
    }
    if (opts.partitions !== undefined && have < opts.partitions) {
      throw new ReplayError(`topic '${opts.topic}' has ${have} partitions, fewer than --partitions ${opts.partitions}: create it with at least ${opts.partitions} (or lower --partitions)`);
    }
    return await produceAll(producer, files, opts, { K, order, rate, where });
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

async function produceAll(producer: Producer, files: string[], opts: ReplayOptions, c: { K: number; order: number; rate: number; where: string }): Promise<ReplayReport> {
  const decoder = new AlertDecoder({ lsstSchemas: opts.lsstSchemas });
  const P = opts.partitions;
  const perPartition = P ? new Array<number>(P).fill(0) : undefined;
  const limit = opts.limit ?? Infinity;
  const maxMsgs = Math.max(1, Math.min(opts.batchMessages ?? 500, c.rate > 0 ? Math.ceil(c.rate / 50) : Infinity));
  const maxBytes = opts.batchBytes ?? 4 * 2 ** 20;
  const compression = opts.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  let t0 = performance.now();
  let sent = 0, queued = 0, bytes = 0, alerts = 0, lastProgress = t0;
  let batch: Message[] = [], batchBytes = 0;
  let inflight: Promise<unknown> | null = null;

  const send = async (msgs: Message[]): Promise<void> => {
    try {
      await producer.send({ topic: opts.topic, messages: msgs, acks: -1, compression });
    } catch (err) {
      throw new ReplayError(`producing to ${c.where} failed after retries: ${why(err)}`);
    }
  };
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    if (c.rate > 0) {
      const due = t0 + ((queued + batch.length) / c.rate) * 1000; // this batch's last token
      const now = performance.now();
      if (due > now) await sleep(due - now);
    }
    const msgs = batch;
    batch = [];
    batchBytes = 0;
    queued += msgs.length;
    if (inflight) await inflight;
    inflight = send(msgs).then(() => { sent += msgs.length; });
    inflight.catch(() => undefined); // awaited before the next send; not an unhandled rejection meanwhile
    const now = performance.now();
    if (opts.onProgress && now - lastProgress >= (opts.progressEveryMs ?? 2000)) {
      lastProgress = now;
      const s = (now - t0) / 1000;
      opts.onProgress({ messages: sent, bytes, seconds: s, rate: sent / s });
    }
  };

  let filesRead = 0;
  // Copies are made by re-encoding each alert (fresh ids, shifted history):
  // work that, done on the fly, competes with the pipeline under test for the
  // same cores and holds up the pacing. With a rate and a bounded count they
  // are all made first, and the clock starts after.
  async function* messages(): AsyncGenerator<Message> {
    let made = 0;
    for (const f of files) {
      if (opts.signal?.aborted || made >= limit) return;
      filesRead++;
      let units;
      try {
        units = await alertUnits(readFileSync(f), decoder, { stripCutouts: opts.stripCutouts });
      } catch (err) {
        throw new ReplayError(`${f}: not a readable alert file: ${(err as Error).message}`);
      }
      for (const u of units) {
        alerts++;
        for (const copy of alertCopies(u, c.K, { spacingArcsec: opts.spacingArcsec ?? DEFAULT_SPACING_ARCSEC })) {
          const region = regionOf(copy.ra, copy.dec, c.order);
          const m: Message = { key: String(region), value: copy.value };
          if (P) m.partition = partitionOfRegion(region, P);
          yield m;
          if (opts.signal?.aborted || ++made >= limit) return;
        }
      }
    }
  }
  let source: AsyncIterable<Message> | Message[] = messages();
  if (c.rate > 0 && limit <= AHEAD_LIMIT) {
    const all: Message[] = [];
    for await (const m of source) all.push(m);
    source = all;
    t0 = lastProgress = performance.now();
  }
  for await (const m of source) {
    if (perPartition && m.partition !== undefined) perPartition[m.partition]++;
    const size = (m.value as Buffer).length;
    batch.push(m);
    batchBytes += size;
    bytes += size;
    if (batch.length >= maxMsgs || batchBytes >= maxBytes) await flush();
    if (opts.signal?.aborted) break;
  }
  await flush();
  if (inflight) await inflight;
  const seconds = (performance.now() - t0) / 1000;
  return {
    topic: opts.topic, files: filesRead, alerts, multiply: c.K, messages: sent, bytes, seconds, rate: sent / seconds,
    ...(perPartition ? { perPartition } : {}), interrupted: opts.signal?.aborted === true,
  };
}
