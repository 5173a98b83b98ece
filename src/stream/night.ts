// The night's conductor. ZTF publishes each night on a new topic
// (ztf_YYYYMMDD_programid1) that does not exist until the first alert is
// sent, and a consumer cannot subscribe to a topic that is not there. The
// conductor polls the cluster's metadata until tonight's topic appears,
// consumes it, and ends the night once the stream has been idle for a while
// after a configured hour: drain the batch in hand, commit, write the night
// report, exit.

import { Kafka, logLevel } from 'kafkajs';
import { PLAINTEXT, type KafkaAuth } from './kafka/auth-config.js';
import { KafkaConnectError, kafkaFailure } from './kafka/connect-check.js';

export interface NightPlan {
  /** Topic name with `{date}` standing for YYYYMMDD, e.g. 'ztf_{date}_programid1'. */
  pattern: string;
  /** 'auto' (tonight's UTC date when the run starts) or YYYYMMDD. */
  night: string;
  /** How often to look for the topic (ms). */
  pollMs: number;
  /** The night may end only after this UTC time of day, 'HH:MM' (after the date of the night). */
  endAfter: string;
  /** ... and once no message has arrived for this long (ms). */
  idleMs: number;
  /** Give up waiting for the topic at this point (ms since the start); the night ends empty. */
  maxWaitMs?: number;
}

/** YYYYMMDD of a time, in UTC: the date ZTF's topic names carry. */
export function utcDate(t: number): string {
  const d = new Date(t);
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
}

export function resolveNight(night: string, now = Date.now()): string {
  if (night === 'auto') return utcDate(now);
  if (!/^\d{8}$/.test(night) || Number.isNaN(Date.parse(`${night.slice(0, 4)}-${night.slice(4, 6)}-${night.slice(6)}T00:00:00Z`))) {
    throw new RangeError(`--night must be 'auto' or a date YYYYMMDD, got '${night}'`);
  }
  return night;
}

export function topicFor(pattern: string, night: string): string {
  if (!pattern.includes('{date}')) throw new RangeError(`--topic-pattern must contain {date}, got '${pattern}'`);
  const t = pattern.replaceAll('{date}', night);
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(t)) throw new RangeError(`--topic-pattern gives '${t}', not a valid Kafka topic name`);
  return t;
}

/** The moment (ms) after which the night may end: endAfter 'HH:MM' UTC on the night's date, or the next day if that is before the night started. */
export function endAfterTime(night: string, endAfter: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(endAfter);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw new RangeError(`--end-after must be a UTC time HH:MM, got '${endAfter}'`);
  const day = Date.UTC(Number(night.slice(0, 4)), Number(night.slice(4, 6)) - 1, Number(night.slice(6)));
  return day + (Number(m[1]) * 60 + Number(m[2])) * 60_000;
}

/**
 * Resolves once `topic` exists on the cluster (polling metadata every pollMs),
 * or with false when `deadline` passes or `signal` aborts. Each poll is
 * bounded by the client's request timeout, so an unreachable cluster retries
 * instead of hanging.
 */
export async function waitForTopic(
  brokers: string[], topic: string, o: { pollMs: number; deadline?: number; signal?: AbortSignal; log?: (m: Record<string, unknown>) => void; auth?: KafkaAuth },
): Promise<boolean> {
  const auth = o.auth ?? PLAINTEXT;
  const kafka = new Kafka({ clientId: 'skyjoin-conductor', brokers, logLevel: logLevel.NOTHING, requestTimeout: 5000, connectionTimeout: 3000, retry: { retries: 2 }, ...auth.kafkajs() });
  const admin = kafka.admin();
  let connected = false;
  let polls = 0;
  try {
    while (!o.signal?.aborted) {
      try {
        if (!connected) { await admin.connect(); connected = true; }
        const topics = await admin.listTopics();
        if (topics.includes(topic)) {
          // Metadata lists the topic before its partitions have leaders on a
          // fresh create; wait until every partition has one.
          const md = await admin.fetchTopicMetadata({ topics: [topic] });
          if (md.topics[0]?.partitions.length && md.topics[0].partitions.every((p) => p.leader >= 0)) return true;
        }
        if (polls++ % 10 === 0) o.log?.({ msg: 'waiting for topic', topic });
      } catch (err) {
        // A refused login or an untrusted certificate does not heal by waiting.
        const failure = kafkaFailure(err, brokers, auth);
        if (failure.fatal) throw new KafkaConnectError(failure.line);
        o.log?.({ msg: 'cluster not reachable, retrying', topic, error: (err as Error).message });
        if (connected) { await admin.disconnect().catch(() => {}); connected = false; }
      }
      if (o.deadline !== undefined && Date.now() >= o.deadline) return false;
      await sleep(o.pollMs, o.signal);
    }
    return false;
  } finally {
    if (connected) await admin.disconnect().catch(() => {});
  }
}

/** Waits ms, or less when the signal aborts (the timer and the listener are both let go). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Whether the night is over: past the end time, and idle for idleMs. `last`
 * is when the last message arrived (or when consuming began).
 */
export function nightOver(now: number, last: number, endAt: number, idleMs: number): boolean {
  return now >= endAt && now - last >= idleMs;
}
