// Subscriptions: a stream, a channel and its options, a digest policy, a
// rate limit and quiet hours, owned by an API key and kept in the service's
// LMDB store (DATA/store), where `skyjoin serve` writes them and the delivery
// worker reads them. The worker writes back only what it learns: that a
// subscription failed for too long (paused, with the reason) and the last
// delivery attempts. A change bumps a store-wide revision in the same
// transaction, so readers notice it with one read.

import { randomBytes } from 'node:crypto';
import type { Database, Key, RootDatabase } from 'lmdb';
import type { Digest, QuietHours, RateLimit } from './policy.js';

export type Channel =
  | { type: 'webhook'; url: string; secret: string }
  | { type: 'slack'; url: string }
  | { type: 'email'; to: string[] }
  /** VOEvent packets POSTed to url (signed like webhooks), or written to the configured folder. */
  | { type: 'voevent'; url?: string; secret?: string; folder?: boolean };

export type ChannelType = Channel['type'];

export interface Subscription {
  id: string;
  owner: string;
  name: string;
  /** The stream's registry name: objects, detections, annotated, watchlist-ID, filter-ID, ... */
  stream: string;
  channel: Channel;
  digest: Digest | null;
  rateLimit: RateLimit | null;
  quietHours: QuietHours | null;
  state: 'active' | 'paused';
  /** Why it is paused: by its owner, or by the worker after sustained failure. */
  pausedBy?: 'user' | 'failures';
  pausedReason?: string;
  pausedAt?: string;
  createdAt: string;
  updatedAt: string;
  /** Bumped by every change. */
  rev: number;
}

export interface DeliveryRecord {
  subscription: string;
  at: string;
  /** delivered; retrying (will be tried again); failed (final: the messages were dropped); test (POST .../test). */
  outcome: 'delivered' | 'retrying' | 'failed' | 'test';
  ok: boolean;
  status: number | null;
  latencyMs: number;
  error: string | null;
  messages: number;
  attempt: number;
  idempotencyKey: string;
}

export type SubscriptionInput = Pick<Subscription, 'name' | 'stream' | 'channel' | 'digest' | 'rateLimit' | 'quietHours'>;
export type SubscriptionPatch = Partial<Pick<Subscription, 'name' | 'channel' | 'digest' | 'rateLimit' | 'quietHours'>>;

/** A new signing secret: returned once when made, never again. */
export function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

export class SubscriptionStore {
  private readonly subs: Database<Subscription, string>;
  private readonly deliveriesDb: Database<DeliveryRecord, Key>;
  private readonly meta: Database<number, string>;
  private counter = 0;
  private readonly sincePrune = new Map<string, number>();
  private namesRev = -1;
  private names = new Set<string>();

  constructor(readonly env: RootDatabase, private readonly deliveriesKept = 100) {
    this.subs = env.openDB<Subscription, string>('sub.list', {});
    this.deliveriesDb = env.openDB<DeliveryRecord, Key>('sub.deliveries', {});
    this.meta = env.openDB<number, string>('sub.meta', {});
  }

  /** Store-wide revision: changes whenever any subscription does. */
  rev(): number {
    return this.meta.get('rev') ?? 0;
  }

  private bumpInTxn(): void {
    this.meta.put('rev', this.rev() + 1);
  }

  get(id: string): Subscription | undefined {
    return this.subs.get(id);
  }

  /** Every subscription, or one key's. */
  list(owner?: string): Subscription[] {
    const out: Subscription[] = [];
    for (const { value } of this.subs.getRange({})) if (!owner || value.owner === owner) out.push(value);
    return out;
  }

  /**
   * Names of the streams someone subscribes to (paused ones included: their
   * backlog is kept). Re-read only when the revision moved; a fresh read
   * snapshot first, so another process's change is seen at once.
   */
  streamNames(): Set<string> {
    this.env.resetReadTxn();
    const rev = this.rev();
    if (rev !== this.namesRev) {
      this.names = new Set(this.list().map((s) => s.stream));
      this.namesRev = rev;
    }
    return this.names;
  }

  async create(owner: string, input: SubscriptionInput): Promise<Subscription> {
    const now = new Date().toISOString();
    const s: Subscription = { id: randomBytes(8).toString('hex'), owner, ...input, state: 'active', createdAt: now, updatedAt: now, rev: 1 };
    await this.env.transaction(() => {
      this.subs.put(s.id, s);
      this.bumpInTxn();
    });
    return s;
  }

  /** Applies a change to a subscription; returns it as stored, or undefined when it is gone. */
  private async change(id: string, f: (s: Subscription) => Subscription | null): Promise<Subscription | undefined> {
    let out: Subscription | undefined;
    await this.env.transaction(() => {
      const cur = this.subs.get(id);
      if (!cur) return;
      const next = f(cur);
      if (!next) { out = cur; return; }
      out = { ...next, rev: cur.rev + 1, updatedAt: new Date().toISOString() };
      this.subs.put(id, out);
      this.bumpInTxn();
    });
    return out;
  }

  update(id: string, patch: SubscriptionPatch): Promise<Subscription | undefined> {
    return this.change(id, (s) => ({ ...s, ...patch }));
  }

  pause(id: string, by: 'user' | 'failures', reason: string): Promise<Subscription | undefined> {
    return this.change(id, (s) => (s.state === 'paused' && s.pausedBy === by ? null : { ...s, state: 'paused', pausedBy: by, pausedReason: reason, pausedAt: new Date().toISOString() }));
  }

  resume(id: string): Promise<Subscription | undefined> {
    return this.change(id, (s) => {
      if (s.state === 'active') return null;
      const { pausedBy: _b, pausedReason: _r, pausedAt: _a, ...rest } = s;
      return { ...rest, state: 'active' };
    });
  }

  async remove(id: string): Promise<boolean> {
    let found = false;
    await this.env.transaction(() => {
      if (!this.subs.get(id)) return;
      found = true;
      this.subs.remove(id);
      for (const { key } of this.deliveriesDb.getRange({ start: [id], end: [`${id}\u0000`] })) this.deliveriesDb.remove(key);
      this.bumpInTxn();
    });
    return found;
  }

  /**
   * Records delivery attempts in one transaction. Keys sort by time; older
   * attempts beyond the kept number are removed now and then.
   */
  async recordDeliveries(list: readonly DeliveryRecord[]): Promise<void> {
    if (list.length === 0) return;
    const now = Date.now().toString().padStart(15, '0');
    const prune = new Set<string>();
    for (const d of list) {
      const n = (this.sincePrune.get(d.subscription) ?? 0) + 1;
      this.sincePrune.set(d.subscription, n);
      if (n >= Math.max(10, this.deliveriesKept >> 2)) {
        this.sincePrune.set(d.subscription, 0);
        prune.add(d.subscription);
      }
    }
    await this.env.transaction(() => {
      for (const d of list) this.deliveriesDb.put([d.subscription, `${now}:${process.pid}:${(this.counter++).toString().padStart(9, '0')}`], d);
      for (const id of prune) {
        for (const k of this.deliveriesDb.getKeys({ start: [id, '\uffff'], end: [id], reverse: true, offset: this.deliveriesKept })) this.deliveriesDb.remove(k);
      }
    });
  }

  recordDelivery(d: DeliveryRecord): Promise<void> {
    return this.recordDeliveries([d]);
  }

  /** The last attempts, newest first. */
  deliveries(id: string, limit: number): DeliveryRecord[] {
    this.env.resetReadTxn();
    const out: DeliveryRecord[] = [];
    for (const { value } of this.deliveriesDb.getRange({ start: [id, '\uffff'], end: [id], reverse: true, limit })) out.push(value);
    return out;
  }
}
