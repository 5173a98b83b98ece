// The delivery worker: reads the outbox and sends each subscription's
// messages on its channel, in order, one notification in flight per
// subscription, each subscription on its own (a slow or dead receiver holds
// up only its own subscriptions, never the stream, which only writes the
// outbox). Runs inside `skyjoin stream` by default, or as `skyjoin notify`;
// a lease in the outbox lets one worker at a time deliver.
//
// Per subscription: messages wait for their digest (N messages or T
// seconds), its rate limit and its quiet hours; what was held back goes out
// together in the next notification allowed. A failure worth retrying is
// retried after an exponential backoff with jitter (or the receiver's
// Retry-After); a final one drops the notification. A subscription that has
// not succeeded for pauseAfterHours is paused with the reason, its backlog
// kept. The cursor moves only after a notification succeeded or failed for
// good: a crash re-sends at most the notification in flight, with the same
// idempotency keys.

import { randomBytes } from 'node:crypto';
import { deliver } from './channels/deliver.js';
import type { NotifyConfig } from './config.js';
import { notificationKey, type Notification, type QueuedMessage } from './message.js';
import type { Cursor, Outbox } from './outbox.js';
import { digestDue, inQuietHours, RateWindow } from './policy.js';
import { backoffMs, type DeliveryResult } from './retry.js';
import type { Subscription, SubscriptionStore } from './subscriptions.js';
import { WriteBehind } from './write-behind.js';

export interface WorkerOptions {
  outbox: Outbox;
  subscriptions: SubscriptionStore;
  config: NotifyConfig;
  log?: (o: Record<string, unknown>) => void;
  /** How often the worker looks for work when not woken (ms, default 100). */
  tickMs?: number;
  /** A lease not renewed for this long is free (ms, default 10,000). */
  leaseStaleMs?: number;
}

interface SubState {
  sub: Subscription;
  cursor: Cursor;
  inFlight: boolean;
  retryAt: number;
  attempt: number;
  rate: RateWindow | null;
  rateKey: string;
  /** Messages were held back by the rate limit or quiet hours: the next notification takes all that wait. */
  held: boolean;
  removed: boolean;
}

export interface WorkerCounters {
  notifications: number;
  messages: number;
  retries: number;
  failed: number;
  paused: number;
}

/** Subscriptions are re-read at least this often, and at once when their revision moves. */
const SUBS_REFRESH_MS = 1000;
const LEASE_BEAT_MS = 2000;
const PRUNE_EVERY_MS = 5000;
/** Entries queued this long before the subscription list was read are past any subscription not yet seen. */
const PRUNE_GRACE_MS = 60_000;
const FLUSH_MS = 100;

export class DeliveryWorker {
  readonly id = randomBytes(6).toString('hex');
  readonly counters: WorkerCounters = { notifications: 0, messages: 0, retries: 0, failed: 0, paused: 0 };
  private readonly states = new Map<string, SubState>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly log: (o: Record<string, unknown>) => void;
  private readonly tickMs: number;
  private readonly staleMs: number;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running = false;
  private ticking = false;
  private kicked = false;
  private leaseHeld = false;
  private leaseAt = 0;
  private standbyLogged = false;
  private subsRev = -1;
  private subsReadAt = 0;
  private lastPrune = 0;
  /** Last time something was waiting, in flight or sent (for idle exits). */
  lastBusyAt = Date.now();

  private readonly writeFailed = (err: Error): void => this.log({ msg: 'notify: store write failed', error: err.message });
  /** Cursors and delivery records, committed together every FLUSH_MS (write-behind.ts). */
  private readonly writes: WriteBehind;
  private lastFlush = 0;

  constructor(private readonly o: WorkerOptions) {
    this.log = o.log ?? (() => {});
    this.tickMs = o.tickMs ?? 100;
    this.writes = new WriteBehind(o.outbox, o.subscriptions, this.writeFailed);
    this.staleMs = o.leaseStaleMs ?? 10_000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.o.outbox.onEnqueued = () => this.kick();
    this.schedule(0);
  }

  /** Looks for work now (the stream calls it after queueing). */
  kick(): void {
    if (this.kicked || !this.running) return;
    this.kicked = true;
    setImmediate(() => {
      this.kicked = false;
      void this.tick();
    });
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  /** Stops sending; waits up to graceMs for notifications in flight; gives up the lease. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.o.outbox.onEnqueued = null;
    let t: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([Promise.allSettled([...this.inflight]), new Promise((r) => { t = setTimeout(r, graceMs); })]);
    clearTimeout(t);
    await this.flush();
    if (this.leaseHeld) await this.o.outbox.releaseLease(this.id);
    this.leaseHeld = false;
  }

  /** Whether every active subscription's backlog is empty and nothing is in flight. */
  idle(): boolean {
    if (this.inflight.size > 0 || !this.leaseHeld) return false;
    for (const st of this.states.values()) {
      if (st.sub.state !== 'active') continue;
      if (this.o.outbox.peek(st.sub.stream, st.cursor.next, 1).count > 0) return false;
    }
    return true;
  }

  /** Waits until idle() (true) or timeoutMs passed (false). */
  async drain(timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (this.running && this.leaseHeld && this.subsReadAt > 0 && this.idle()) return true;
      if (Date.now() >= end) return false;
      await new Promise((r) => setTimeout(r, Math.min(50, Math.max(1, end - Date.now()))));
    }
  }

  /** Messages waiting per subscription (for reports). */
  backlog(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [id, st] of this.states) out[id] = this.o.outbox.backlog(st.sub.stream, st.cursor.next);
    return out;
  }

  private async tick(): Promise<void> {
    if (this.ticking || !this.running) return;
    this.ticking = true;
    try {
      const now = Date.now();
      if (!this.leaseHeld || now - this.leaseAt >= LEASE_BEAT_MS) await this.beat(now);
      if (!this.leaseHeld) return;
      this.refresh(now);
      for (const st of this.states.values()) this.consider(st, now);
      if (this.inflight.size > 0) this.lastBusyAt = now;
      if (now - this.lastFlush >= FLUSH_MS) await this.flush();
      if (now - this.lastPrune >= PRUNE_EVERY_MS) await this.prune(now);
    } catch (err) {
      this.log({ msg: 'notify: worker error', error: (err as Error).message });
    } finally {
      this.ticking = false;
      this.schedule(this.tickMs);
    }
  }

  private async beat(now: number): Promise<void> {
    const lease = await this.o.outbox.takeLease(this.id, this.staleMs);
    const held = lease?.owner === this.id;
    if (held && !this.leaseHeld) this.log({ msg: 'notify: delivering', worker: this.id });
    if (!held && !this.standbyLogged) {
      this.standbyLogged = true;
      this.log({ msg: 'notify: another worker delivers this outbox; standing by', holder: lease ? { pid: lease.pid, host: lease.host } : null });
    }
    this.leaseHeld = held;
    this.leaseAt = now;
  }

  /** Picks up new, changed and deleted subscriptions. */
  private refresh(now: number): void {
    const subs = this.o.subscriptions;
    subs.env.resetReadTxn();
    const rev = subs.rev();
    if (rev === this.subsRev && now - this.subsReadAt < SUBS_REFRESH_MS) return;
    const seen = new Set<string>();
    for (const s of subs.list()) {
      seen.add(s.id);
      const st = this.states.get(s.id);
      if (!st) {
        this.states.set(s.id, this.newState(s));
        continue;
      }
      if (st.sub.rev !== s.rev) {
        // Resumed: a fresh start, no backoff, no failure run.
        if (st.sub.state === 'paused' && s.state === 'active') {
          st.attempt = 0;
          st.retryAt = 0;
          if (st.cursor.failingSince !== undefined) {
            st.cursor = { stream: st.cursor.stream, next: st.cursor.next };
            this.writes.cursor(s.id, st.cursor);
          }
        }
        const rk = JSON.stringify(s.rateLimit);
        if (rk !== st.rateKey) {
          st.rate = s.rateLimit ? new RateWindow(s.rateLimit) : null;
          st.rateKey = rk;
        }
        st.sub = s;
      }
    }
    for (const [id, st] of this.states) {
      if (seen.has(id)) continue;
      st.removed = true;
      this.states.delete(id);
      this.writes.forget(id);
      this.o.outbox.removeCursor(id).catch(this.writeFailed);
    }
    this.subsRev = rev;
    this.subsReadAt = now;
  }

  private newState(s: Subscription): SubState {
    let cursor = this.o.outbox.cursor(s.id);
    if (!cursor || cursor.stream !== s.stream) {
      // New: it gets what was queued for its stream from its creation on.
      cursor = { stream: s.stream, next: this.o.outbox.firstSeqSince(s.stream, Date.parse(s.createdAt)) };
      this.writes.cursor(s.id, cursor);
    }
    return {
      sub: s, cursor, inFlight: false, retryAt: 0, attempt: 0, held: false, removed: false,
      rate: s.rateLimit ? new RateWindow(s.rateLimit) : null, rateKey: JSON.stringify(s.rateLimit),
    };
  }

  /** Sends the subscription's next notification if one is due. */
  private consider(st: SubState, now: number): void {
    if (!this.running || !this.leaseHeld || st.inFlight || st.removed || st.sub.state !== 'active' || now < st.retryAt) return;
    const sub = st.sub;
    const ob = this.o.outbox;
    const cap = this.o.config.maxMessagesPerNotification;
    const perPacket = sub.channel.type === 'voevent';
    if (inQuietHours(sub.quietHours, now) || (st.rate !== null && st.rate.waitMs(now) > 0)) {
      if (!st.held && ob.peek(sub.stream, st.cursor.next, 1).count > 0) st.held = true;
      if (st.held) this.lastBusyAt = now;
      return;
    }
    const take = perPacket ? 1 : st.held ? cap : Math.min(cap, sub.digest?.maxMessages ?? 1);
    if (take === 1) {
      // One message per notification: read it at once (no count needed).
      const one = ob.read(sub.stream, st.cursor.next, 1);
      if (one.length === 0) { st.held = false; return; }
      this.lastBusyAt = now;
      if (st.held || digestDue(null, 1, one[0].enqueuedAtMs, now)) this.send(st, one);
      return;
    }
    const { count, firstMs } = ob.peek(sub.stream, st.cursor.next, take);
    if (count === 0) {
      st.held = false;
      return;
    }
    this.lastBusyAt = now;
    if (!st.held && !digestDue(perPacket ? null : sub.digest, count, firstMs, now)) return;
    this.send(st, ob.read(sub.stream, st.cursor.next, take));
  }

  private send(st: SubState, messages: QueuedMessage[]): void {
    st.inFlight = true;
    const n: Notification = { subscriptionId: st.sub.id, subscriptionName: st.sub.name, stream: st.sub.stream, messages, test: false };
    const p: Promise<void> = deliver(st.sub.channel, n, this.o.config)
      .then((r) => this.settle(st, n, r))
      .catch((err) => this.log({ msg: 'notify: settle failed', subscription: st.sub.id, error: (err as Error).message }))
      .finally(() => {
        st.inFlight = false;
        this.inflight.delete(p);
        this.lastBusyAt = Date.now();
        // More may be waiting: go on at once rather than at the next tick.
        if (this.running) this.consider(st, Date.now());
      });
    this.inflight.add(p);
  }

  private async settle(st: SubState, n: Notification, r: DeliveryResult): Promise<void> {
    const now = Date.now();
    const id = st.sub.id;
    const cfg = this.o.config;
    // Stopped meanwhile (the stores may be closed): nothing is recorded, the
    // cursor stays, and the notification goes again at the next start.
    if (st.removed || !this.running) return;
    const last = n.messages[n.messages.length - 1];
    const attemptNo = st.attempt + 1;
    const failingSince = r.ok ? undefined : st.cursor.failingSince ?? now;
    if (r.ok || r.final) {
      st.cursor = { stream: st.cursor.stream, next: last.seq + 1, ...(failingSince === undefined ? {} : { failingSince }) };
      st.rate?.record(now);
      st.held = false;
      st.attempt = 0;
      st.retryAt = 0;
      if (r.ok) {
        this.counters.notifications++;
        this.counters.messages += n.messages.length;
      } else {
        this.counters.failed++;
        this.log({ msg: 'notify: notification dropped (final failure)', subscription: id, error: r.error });
      }
    } else {
      st.attempt++;
      this.counters.retries++;
      st.cursor = { ...st.cursor, failingSince };
      const wait = r.retryAfterMs !== undefined ? Math.min(r.retryAfterMs, Math.max(cfg.retryMaxSeconds, 3600) * 1000) : backoffMs(st.attempt, cfg.retryBaseSeconds, cfg.retryMaxSeconds);
      st.retryAt = now + wait;
    }
    this.writes.cursor(id, st.cursor);
    this.writes.delivery({
      subscription: id, at: new Date(now).toISOString(), outcome: r.ok ? 'delivered' : r.final ? 'failed' : 'retrying', ok: r.ok,
      status: r.status, latencyMs: Math.round(r.latencyMs * 10) / 10, error: r.error, messages: n.messages.length, attempt: attemptNo,
      idempotencyKey: notificationKey(n),
    });
    if (failingSince !== undefined && now - failingSince >= cfg.pauseAfterHours * 3_600_000) {
      const reason = `paused after failing since ${new Date(failingSince).toISOString()} (over ${cfg.pauseAfterHours} h): ${r.error ?? 'failed'}`;
      st.sub = { ...st.sub, state: 'paused' };
      this.counters.paused++;
      this.log({ msg: 'notify: subscription paused', subscription: id, reason });
      await this.o.subscriptions.pause(id, 'failures', reason);
    }
  }

  /** Commits the cursors and delivery records gathered since the last flush. */
  flush(): Promise<void> {
    this.lastFlush = Date.now();
    return this.writes.flush();
  }

  private async prune(now: number): Promise<void> {
    this.lastPrune = now;
    const below = new Map<string, number>();
    for (const st of this.states.values()) below.set(st.sub.stream, Math.min(below.get(st.sub.stream) ?? Number.MAX_SAFE_INTEGER, st.cursor.next));
    for (const stream of this.o.outbox.streams()) await this.o.outbox.prune(stream, below.get(stream) ?? Number.MAX_SAFE_INTEGER, this.subsReadAt - PRUNE_GRACE_MS);
    await this.o.outbox.pruneKeys(now);
    const live = new Set(this.states.keys());
    for (const id of this.o.outbox.cursorIds()) if (!live.has(id)) await this.o.outbox.removeCursor(id);
  }
}
