// The notification outbox: the output records of subscribed streams, written
// by the stream in the same LMDB environment (and transaction) as the batch
// that made them, and read by the delivery worker. One ordered log per
// stream ([stream, seq]); each subscription has a cursor, the seq of its next
// message, moved only after a delivery succeeded (or failed for good), so a
// crash anywhere re-sends at most what was in flight, with the same keys.
//
// A record whose idempotency key (stream + key) was queued within
// dedupeHours is not queued again: a replayed batch (a restart after a crash,
// an upstream replay of a night) notifies nobody twice. Entries every
// subscription of their stream has passed are pruned, as are entries of
// streams nobody subscribes to any more.

import os from 'node:os';
import type { Database, Key, RootDatabase } from 'lmdb';
import type { QueuedMessage } from './message.js';

interface Entry {
  /** Message key. */
  k: string;
  v: Record<string, unknown>;
  /** Queued at, ms since the epoch. */
  t: number;
}

export interface Cursor {
  stream: string;
  /** Seq of the next message to deliver. */
  next: number;
  /** Start of the current run of failures (ms), for the pause after sustained failure. */
  failingSince?: number;
}

export interface Lease {
  owner: string;
  pid: number;
  host: string;
  beatMs: number;
}

export interface OutboxRecord {
  key: string;
  value: Record<string, unknown>;
}

export interface OutboxOptions {
  /** The streams someone subscribes to (read once per enqueue call); records of other streams are not queued. */
  subscribed: () => ReadonlySet<string>;
  dedupeHours?: number;
}

const MAX_SEQ = Number.MAX_SAFE_INTEGER;

export class Outbox {
  private readonly log: Database<Entry, Key>;
  private readonly keys: Database<number, Key>;
  private readonly keyTimes: Database<number, Key>;
  private readonly cursors: Database<Cursor, string>;
  private readonly meta: Database<unknown, Key>;
  private readonly dedupeMs: number;
  /** Records queued by this process. */
  queued = 0;
  /** Called after records were queued (so a worker in this process looks at once). */
  onEnqueued: (() => void) | null = null;

  constructor(readonly env: RootDatabase, private readonly opts: OutboxOptions) {
    this.log = env.openDB<Entry, Key>('notify.outbox', {});
    this.keys = env.openDB<number, Key>('notify.keys', {});
    this.keyTimes = env.openDB<number, Key>('notify.keytimes', {});
    this.cursors = env.openDB<Cursor, string>('notify.cursors', {});
    this.meta = env.openDB<unknown, Key>('notify.meta', {});
    this.dedupeMs = (opts.dedupeHours ?? 168) * 3_600_000;
  }

  /** The streams someone subscribes to now. */
  subscribedStreams(): ReadonlySet<string> {
    return this.opts.subscribed();
  }

  /**
   * THE SEAM: the stream calls this inside the write transaction of `env`
   * that commits the batch, once per output stream, with that stream's
   * records. Records of streams nobody subscribes to cost one set lookup.
   * Returns how many were queued.
   */
  enqueueInTxn(stream: string, records: readonly OutboxRecord[]): number {
    if (records.length === 0 || !this.opts.subscribed().has(stream)) return 0;
    const now = Date.now();
    const seqKey = ['seq', stream];
    let seq = (this.meta.get(seqKey) as number | undefined) ?? 0;
    let queued = 0;
    for (const r of records) {
      const dk = [stream, r.key];
      const seen = this.keys.get(dk);
      if (seen !== undefined && now - seen < this.dedupeMs) continue;
      if (seen !== undefined) this.keyTimes.remove([seen, stream, r.key]);
      this.keys.put(dk, now);
      this.keyTimes.put([now, stream, r.key], 1);
      this.log.put([stream, ++seq], { k: r.key, v: r.value, t: now });
      queued++;
    }
    if (queued > 0) this.meta.put(seqKey, seq);
    this.queued += queued;
    if (queued > 0 && this.onEnqueued) queueMicrotask(this.onEnqueued);
    return queued;
  }

  /** Up to `limit` messages of a stream from seq `from` on, in order. */
  read(stream: string, from: number, limit: number): QueuedMessage[] {
    const out: QueuedMessage[] = [];
    for (const { key, value } of this.log.getRange({ start: [stream, from], end: [stream, MAX_SEQ], limit })) {
      out.push({ stream, seq: (key as [string, number])[1], key: value.k, value: value.v, enqueuedAtMs: value.t });
    }
    return out;
  }

  /** How many messages wait from seq `from` on (counted up to `max`), and when the first was queued. */
  peek(stream: string, from: number, max: number): { count: number; firstMs: number } {
    let count = 0, firstMs = 0;
    for (const { value } of this.log.getRange({ start: [stream, from], end: [stream, MAX_SEQ], limit: 1 })) firstMs = value.t;
    if (firstMs === 0) return { count: 0, firstMs: 0 };
    for (const _k of this.log.getKeys({ start: [stream, from], end: [stream, MAX_SEQ], limit: max })) count++;
    return { count, firstMs };
  }

  /** The seq of the first message queued at or after `ms` (the next seq to be used when there is none). */
  firstSeqSince(stream: string, ms: number): number {
    for (const { key, value } of this.log.getRange({ start: [stream, 0], end: [stream, MAX_SEQ] })) {
      if (value.t >= ms) return (key as [string, number])[1];
    }
    return ((this.meta.get(['seq', stream]) as number | undefined) ?? 0) + 1;
  }

  /** Messages waiting for a cursor. */
  backlog(stream: string, from: number): number {
    return this.log.getCount({ start: [stream, from], end: [stream, MAX_SEQ] });
  }

  cursor(subscription: string): Cursor | undefined {
    return this.cursors.get(subscription);
  }

  /** Saves a cursor (lmdb-js commits many puts together; the promise resolves once it is on disk). */
  saveCursor(subscription: string, c: Cursor): Promise<boolean> {
    return this.cursors.put(subscription, c);
  }

  /** Saves several cursors in one transaction (one commit for a whole round of deliveries). */
  async saveCursors(cursors: ReadonlyMap<string, Cursor>): Promise<void> {
    if (cursors.size === 0) return;
    await this.env.transaction(() => { for (const [id, c] of cursors) this.cursors.put(id, c); });
  }

  cursorIds(): string[] {
    return [...this.cursors.getKeys({})] as string[];
  }

  removeCursor(subscription: string): Promise<boolean> {
    return this.cursors.remove(subscription);
  }

  /** Streams that have queued entries. */
  streams(): string[] {
    const out: string[] = [];
    let last: string | null = null;
    for (const k of this.log.getKeys({})) {
      const s = (k as [string, number])[0];
      if (s !== last) out.push((last = s));
    }
    return out;
  }

  /**
   * Removes the entries of `stream` below seq `below` queued before
   * `beforeMs`, and idempotency keys older than the dedupe window. Returns
   * how many entries went.
   */
  async prune(stream: string, below: number, beforeMs: number): Promise<number> {
    let n = 0;
    await this.env.transaction(() => {
      for (const { key, value } of this.log.getRange({ start: [stream, 0], end: [stream, below] })) {
        if (value.t >= beforeMs) break;
        this.log.remove(key);
        n++;
      }
    });
    return n;
  }

  /** Forgets idempotency keys queued longer ago than the dedupe window. */
  async pruneKeys(nowMs = Date.now()): Promise<number> {
    let n = 0;
    await this.env.transaction(() => {
      for (const { key } of this.keyTimes.getRange({ start: [0], end: [nowMs - this.dedupeMs] })) {
        const [t, stream, k] = key as [number, string, string];
        if (this.keys.get([stream, k]) === t) this.keys.remove([stream, k]);
        this.keyTimes.remove(key);
        n++;
      }
    });
    return n;
  }

  /**
   * Takes (or renews) the delivery lease: one worker per outbox at a time.
   * Free when nobody holds it, when its holder stopped beating for `staleMs`,
   * or when its holder was a process of this host that is gone (kill -9).
   */
  async takeLease(owner: string, staleMs: number): Promise<Lease | null> {
    const host = os.hostname();
    let holder: Lease | null = null;
    await this.env.transaction(() => {
      const cur = this.meta.get(['lease']) as Lease | undefined;
      const now = Date.now();
      const free = !cur || cur.owner === owner || now - cur.beatMs > staleMs || (cur.host === host && !alive(cur.pid));
      if (free) {
        holder = { owner, pid: process.pid, host, beatMs: now };
        this.meta.put(['lease'], holder);
      } else {
        holder = cur;
      }
    });
    return holder;
  }

  async releaseLease(owner: string): Promise<void> {
    await this.env.transaction(() => {
      const cur = this.meta.get(['lease']) as Lease | undefined;
      if (cur?.owner === owner) this.meta.remove(['lease']);
    });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
