// "Did we get them all?": per topic and night, the upstream's offsets (low
// and high watermark of every partition) when consuming started and when it
// ended, beside the messages received and the alerts stored, dead-lettered
// and skipped as duplicates. The ledger is a pipeline stage (stage.ts): its
// counts are written inside the store transaction of their batch (inTxn), so
// a crash neither loses nor doubles them; the
// marks are written when a run starts (the first run of a night keeps its
// start) and ends (the last run's end wins).
//
// The night of a line: the conductor's night (the night's topic); without a
// conductor, the alert's own night, plus a '*' line for the whole topic that
// carries the marks (a continuous topic such as Rubin's has no night of its own).
//
// upstream = sum over partitions of (high at the end - low at the start): the
// messages the topic held from the first run's start to the last run's end.
// missing = upstream - received. A low above 0 at the start means the broker
// had already dropped that many messages (retention) before we began.

import type { Database, Key } from 'lmdb';
import { Kafka, logLevel } from 'kafkajs';
import type { Batch, Stage } from '../stage.js';
import type { StreamStore } from '../store.js';
import type { KafkaAuth } from './auth-config.js';

export interface TopicNightCounts {
  /** Kafka messages handled for the first time. */
  received: number;
  /** Alerts stored (new). */
  stored: number;
  deadLettered: number;
  duplicatesSkipped: number;
}

export interface Marks {
  at: string;
  /** partition -> [low, high] watermarks, as decimal strings. */
  partitions: Record<string, [string, string]>;
}

export interface UpstreamLine extends TopicNightCounts {
  topic: string;
  night: string;
  start: Marks | null;
  end: Marks | null;
  /** Messages upstream between the start's low and the end's high watermarks (null without both marks). */
  upstream: number | null;
  /** upstream - received (null without both marks). */
  missing: number | null;
}

export const ALL_NIGHTS = '*';
const zero = (): TopicNightCounts => ({ received: 0, stored: 0, deadLettered: 0, duplicatesSkipped: 0 });

/** Partition low/high watermarks of each topic, read once. */
export async function fetchWatermarks(brokers: readonly string[], auth: KafkaAuth, topics: readonly string[]): Promise<Record<string, Marks>> {
  const kafka = new Kafka({ clientId: 'skyjoin-watermarks', brokers: [...brokers], logLevel: logLevel.NOTHING, retry: { retries: 2 }, requestTimeout: auth.setupTimeoutMs, ...auth.kafkajs() });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const out: Record<string, Marks> = {};
    for (const t of topics) {
      const offsets = await admin.fetchTopicOffsets(t);
      out[t] = { at: new Date().toISOString(), partitions: Object.fromEntries(offsets.map((o) => [String(o.partition), [o.low, o.high]])) };
    }
    return out;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export class UpstreamLedger implements Stage {
  readonly name = 'upstream';
  private readonly db: Database<unknown, Key>;
  /** The conductor's night; undefined: lines by the alerts' nights plus a '*' line per topic. */
  night: string | undefined;

  constructor(store: StreamStore, night?: string) {
    this.db = store.env.openDB<unknown, Key>('upstream', {});
    this.night = night;
  }

  private nightsOf(alertNight: string | undefined): string[] {
    return this.night !== undefined ? [this.night] : [alertNight || 'unknown', ALL_NIGHTS];
  }

  /** Adds a batch's messages and alerts, inside the batch's store transaction. */
  inTxn(batch: Batch): void {
    const rows = new Map<string, { topic: string; night: string; c: TopicNightCounts }>();
    const seen = new Set<string>();
    const bump = (topic: string, partition: number, offset: string, alertNight: string | undefined, k: keyof TopicNightCounts) => {
      for (const night of this.nightsOf(alertNight)) {
        const rk = `${topic}\u0000${night}`;
        let r = rows.get(rk);
        if (!r) rows.set(rk, (r = { topic, night, c: zero() }));
        // One message may carry several alerts: received counts it once per line.
        const mk = `${rk}\u0000${partition}\u0000${offset}`;
        if (!seen.has(mk)) { seen.add(mk); r.c.received++; }
        r.c[k]++;
      }
    };
    for (const a of batch.alerts) {
      if (a.republish) continue; // an earlier run's message, counted then
      const m = a.message;
      bump(m.topic, m.partition, m.offset.toString(), a.alert.night, a.status === 'new' ? 'stored' : 'duplicatesSkipped');
    }
    // Dead letters of replayed messages (an earlier run's, counted then) are left out.
    const replayed = new Set(batch.replayed.map((m) => `${m.topic}\u0000${m.partition}\u0000${m.offset}`));
    for (const d of batch.deadLetters) {
      if (replayed.size && replayed.has(`${d.topic}\u0000${d.partition}\u0000${d.offset}`)) continue;
      bump(d.topic, d.partition, d.offset, undefined, 'deadLettered');
    }
    for (const { topic, night, c } of rows.values()) {
      const key = ['count', topic, night];
      const cur = (this.db.get(key) as TopicNightCounts | undefined) ?? zero();
      for (const k of Object.keys(c) as Array<keyof TopicNightCounts>) cur[k] += c[k];
      this.db.put(key, cur);
    }
  }

  /** Records the topics' watermarks as this run's start (kept if the night has one) or end (replaced). */
  async mark(which: 'start' | 'end', marks: Record<string, Marks>): Promise<void> {
    const night = this.night ?? ALL_NIGHTS;
    await this.db.transaction(() => {
      for (const [topic, m] of Object.entries(marks)) {
        const key = ['marks', topic, night, which];
        if (which === 'start' && this.db.get(key) !== undefined) continue;
        this.db.put(key, m);
      }
    });
  }

  /** Every line (or those of `topics`), by topic then night. */
  lines(topics?: readonly string[]): UpstreamLine[] {
    const out = new Map<string, UpstreamLine>();
    const line = (topic: string, night: string) => {
      const k = `${topic}\u0000${night}`;
      let l = out.get(k);
      if (!l) out.set(k, (l = { topic, night, ...zero(), start: null, end: null, upstream: null, missing: null }));
      return l;
    };
    for (const { key, value } of this.db.getRange({ start: ['count'], end: ['count\u0000'] })) {
      const [, topic, night] = key as string[];
      Object.assign(line(topic, night), value as TopicNightCounts);
    }
    for (const { key, value } of this.db.getRange({ start: ['marks'], end: ['marks\u0000'] })) {
      const [, topic, night, which] = key as string[];
      line(topic, night)[which as 'start' | 'end'] = value as Marks;
    }
    const list = [...out.values()].filter((l) => !topics || topics.includes(l.topic));
    for (const l of list) {
      if (!l.start || !l.end) continue;
      let n = 0n;
      for (const [p, [, high]] of Object.entries(l.end.partitions)) n += BigInt(high) - BigInt(l.start.partitions[p]?.[0] ?? '0');
      l.upstream = Number(n);
      l.missing = l.upstream - l.received;
    }
    return list.sort((a, b) => a.topic.localeCompare(b.topic) || (a.night === ALL_NIGHTS ? 1 : b.night === ALL_NIGHTS ? -1 : a.night.localeCompare(b.night)));
  }
}

/** The operator's line: "topic T night N: upstream U (offsets ...), received R, stored S, dead-lettered D, duplicates K, missing M". */
export function formatUpstreamLine(l: UpstreamLine): string {
  const sum = (m: Marks | null, i: 0 | 1) => (m ? Object.values(m.partitions).reduce((s, p) => s + BigInt(p[i]), 0n).toString() : '?');
  const offsets = l.start || l.end ? ` (low ${sum(l.start, 0)} at start, high ${sum(l.end, 1)} at end, over ${Object.keys((l.end ?? l.start)!.partitions).length} partitions)` : '';
  return `topic ${l.topic} night ${l.night}: upstream ${l.upstream ?? '?'}${offsets}, received ${l.received}, stored ${l.stored}, dead-lettered ${l.deadLettered}, ` +
    `duplicates ${l.duplicatesSkipped}, missing ${l.missing ?? '?'}`;
}
