// While a Kafka run consumes: consumer lag per partition (the upstream's high
// watermark, polled, minus the next offset the stores hold) and seconds since
// the last message, as Prometheus gauges; and a freshness alarm in the log
// when no message arrived for --stale-after seconds while the night is on
// (the conductor's end time; always, without a conductor), with a second line
// once messages flow again.

import type { Registry } from '../../metrics/registry.js';
import type { KafkaAuth } from './auth-config.js';
import { fetchWatermarks, type Marks } from './upstream-ledger.js';

/** How often the high watermarks are read for the lag gauge. */
const LAG_POLL_MS = 10_000;

export interface FreshnessOptions {
  brokers: readonly string[];
  auth: KafkaAuth;
  topics: readonly string[];
  /** The last offset stored for a partition (-1n when none). */
  committed: (topic: string, partition: number) => bigint;
  log: (o: Record<string, unknown>) => void;
  staleAfterMs?: number;
  /** The alarm is quiet from this time on (ms; the night's end). */
  activeUntil?: number;
  lagPollMs?: number;
}

export class FreshnessMonitor {
  private last: number;
  private stale = false;
  private highs: Record<string, Marks> = {};
  private timers: Array<ReturnType<typeof setInterval>> = [];
  private polling = false;

  constructor(private readonly o: FreshnessOptions) {
    this.last = Date.now();
  }

  /** Messages arrived. */
  saw(): void {
    const now = Date.now();
    if (this.stale) {
      this.stale = false;
      this.o.log({ msg: 'messages flow again', topics: this.o.topics, silentS: Math.round((now - this.last) / 1000) });
    }
    this.last = now;
  }

  secondsSinceLastMessage(now = Date.now()): number {
    return (now - this.last) / 1000;
  }

  /** Checks for staleness now (the timer calls it). */
  check(now = Date.now()): void {
    const s = this.o.staleAfterMs;
    if (s === undefined || this.stale || now >= (this.o.activeUntil ?? Infinity)) return;
    if (now - this.last >= s) {
      this.stale = true;
      this.o.log({ msg: 'stale: no message', level: 'warn', topics: this.o.topics, secondsSinceLastMessage: Math.round((now - this.last) / 1000), staleAfterS: s / 1000 });
    }
  }

  /** Lag per topic/partition from the last polled high watermarks. */
  lag(): Array<[{ topic: string; partition: string }, number]> {
    const out: Array<[{ topic: string; partition: string }, number]> = [];
    for (const [topic, m] of Object.entries(this.highs)) {
      for (const [p, [, high]] of Object.entries(m.partitions)) {
        const next = this.o.committed(topic, Number(p)) + 1n;
        const lag = BigInt(high) - next;
        out.push([{ topic, partition: p }, Number(lag > 0n ? lag : 0n)]);
      }
    }
    return out;
  }

  register(registry: Registry): void {
    registry.gauge('skyjoin_stream_consumer_lag', 'Messages upstream not yet stored, per topic and partition (high watermark - next offset)', () => this.lag());
    registry.gauge('skyjoin_stream_seconds_since_last_message', 'Seconds since the last Kafka message arrived (since the start when none yet)', () => [[{}, this.secondsSinceLastMessage()]]);
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      this.highs = await fetchWatermarks(this.o.brokers, this.o.auth, this.o.topics);
    } catch (err) {
      this.o.log({ msg: 'could not read the upstream watermarks', error: (err as Error).message });
    } finally {
      this.polling = false;
    }
  }

  start(): void {
    this.last = Date.now();
    void this.poll();
    const poll = setInterval(() => void this.poll(), this.o.lagPollMs ?? LAG_POLL_MS);
    poll.unref();
    this.timers.push(poll);
    if (this.o.staleAfterMs !== undefined) {
      const t = setInterval(() => this.check(), Math.max(50, Math.min(1000, this.o.staleAfterMs / 4)));
      t.unref();
      this.timers.push(t);
    }
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }
}
