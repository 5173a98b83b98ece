// The outbox and the delivery worker on real LMDB stores and real receivers
// on loopback: order per subscription, retries (fails three times then
// succeeds), Retry-After, final 4xx, a slow and a dead receiver that hold up
// nobody else, the pause after sustained failure with its reason and the
// backlog kept, digests, rate limits, quiet hours, repeats dropped at
// queueing, the lease.

import path from 'node:path';
import { open, type RootDatabase } from 'lmdb';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveNotifyConfig, type NotifyConfig } from '../../src/notify/config.js';
import { Outbox } from '../../src/notify/outbox.js';
import { newSecret, SubscriptionStore, type Channel, type SubscriptionInput } from '../../src/notify/subscriptions.js';
import { DeliveryWorker } from '../../src/notify/worker.js';
import { downUrl, httpReceiver, type HttpReceiver } from '../support/receivers.js';
import { tempDir } from '../support/tmp.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

let n = 0;
let streamEnv: RootDatabase, sharedEnv: RootDatabase;
let subs: SubscriptionStore, outbox: Outbox;
const workers: DeliveryWorker[] = [];
const receivers: HttpReceiver[] = [];

const config = (o: Record<string, unknown> = {}): NotifyConfig => resolveNotifyConfig({ allowNetworks: ['loopback'], retryBaseSeconds: 0.05, retryMaxSeconds: 0.2, timeoutSeconds: 2, ...o }, tmp.dir);

beforeEach(() => {
  const dir = path.join(tmp.dir, `case-${n++}`);
  streamEnv = open({ path: path.join(dir, 'stream'), maxDbs: 32 });
  sharedEnv = open({ path: path.join(dir, 'store'), maxDbs: 64 });
  subs = new SubscriptionStore(sharedEnv);
  outbox = new Outbox(streamEnv, { subscribed: () => subs.streamNames() });
});
afterEach(async () => {
  for (const w of workers.splice(0)) await w.stop(100);
  for (const r of receivers.splice(0)) await r.close();
  await streamEnv.close();
  await sharedEnv.close();
});

async function receiver(answer?: Parameters<typeof httpReceiver>[0]): Promise<HttpReceiver> {
  const r = await httpReceiver(answer);
  receivers.push(r);
  return r;
}

function worker(cfg = config()): DeliveryWorker {
  const w = new DeliveryWorker({ outbox, subscriptions: subs, config: cfg, tickMs: 20 });
  workers.push(w);
  w.start();
  return w;
}

async function subscribe(stream: string, channel: Channel, o: Partial<SubscriptionInput> = {}) {
  return subs.create('key1', { name: stream, stream, channel, digest: null, rateLimit: null, quietHours: null, ...o });
}

async function enqueue(stream: string, keys: Array<string | number>): Promise<number> {
  let q = 0;
  await streamEnv.transaction(() => { q = outbox.enqueueInTxn(stream, keys.map((k) => ({ key: String(k), value: { object_id: String(k), ra: 10, dec: 20, mag: 18, band: 'g' } }))); });
  return q;
}

async function until(cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Message keys a receiver accepted, in arrival order (one per message, digests expanded). */
const keysOf = (r: HttpReceiver) => r.ok().flatMap((g) => (JSON.parse(g.body).messages as Array<{ key: string }>).map((m) => m.key));

describe('outbox', () => {
  it('queues only subscribed streams, and a repeated key only once', async () => {
    expect(await enqueue('objects', [1, 2])).toBe(0);
    await subscribe('objects', { type: 'webhook', url: 'http://127.0.0.1:1/x', secret: newSecret() });
    expect(await enqueue('objects', [1, 2, 3])).toBe(3);
    expect(await enqueue('objects', [3, 4])).toBe(1);
    expect(await enqueue('detections', [1])).toBe(0);
    expect(outbox.read('objects', 0, 10).map((m) => [m.seq, m.key])).toEqual([[1, '1'], [2, '2'], [3, '3'], [4, '4']]);
  });
});

describe('delivery worker', () => {
  it('delivers every message in order, signed, to a webhook', async () => {
    const r = await receiver();
    const s = await subscribe('objects', { type: 'webhook', url: r.url, secret: 'whsec_one' });
    worker();
    await enqueue('objects', Array.from({ length: 50 }, (_, i) => i));
    await until(() => r.ok().length === 50);
    expect(keysOf(r)).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
    expect(r.badSignatures('whsec_one')).toEqual([]);
    await until(() => subs.deliveries(s.id, 100).length === 50);
    expect(subs.deliveries(s.id, 1)[0]).toMatchObject({ outcome: 'delivered', ok: true, status: 200, messages: 1, attempt: 1, idempotencyKey: 'objects:49' });
  });

  it('retries a receiver that fails three times, then succeeds; order kept; attempts recorded', async () => {
    const r = await receiver((i) => ({ status: i < 3 ? 503 : 200 }));
    const s = await subscribe('objects', { type: 'webhook', url: r.url, secret: 'k' });
    worker();
    await enqueue('objects', ['a', 'b', 'c']);
    await until(() => r.ok().length === 3);
    expect(r.got.map((g) => [JSON.parse(g.body).messages[0].key, g.status])).toEqual([['a', 503], ['a', 503], ['a', 503], ['a', 200], ['b', 200], ['c', 200]]);
    // Each retry was signed afresh and carried the same idempotency key.
    expect(new Set(r.got.slice(0, 4).map((g) => g.headers['skyjoin-idempotency-key']))).toEqual(new Set(['objects:a']));
    await until(() => subs.deliveries(s.id, 100).length === 6);
    expect(subs.deliveries(s.id, 100).reverse().map((d) => [d.outcome, d.attempt])).toEqual([['retrying', 1], ['retrying', 2], ['retrying', 3], ['delivered', 4], ['delivered', 1], ['delivered', 1]]);
  });

  it('honours Retry-After on 429; a 404 is final and the next message goes', async () => {
    const r = await receiver((i, body) => (i === 0 ? { status: 429, headers: { 'retry-after': '1' } } : JSON.parse(body).messages[0].key === 'gone' ? { status: 404 } : {}));
    const s = await subscribe('objects', { type: 'webhook', url: r.url, secret: 'k' });
    worker();
    await enqueue('objects', ['x', 'gone', 'y']);
    await until(() => r.ok().length === 2);
    expect(r.got.map((g) => [JSON.parse(g.body).messages[0].key, g.status])).toEqual([['x', 429], ['x', 200], ['gone', 404], ['y', 200]]);
    expect(r.got[1].at - r.got[0].at).toBeGreaterThanOrEqual(950);
    await until(() => subs.deliveries(s.id, 100).length === 4);
    expect(subs.deliveries(s.id, 100).find((d) => d.status === 404)).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/HTTP 404/) });
  });

  it('a slow and a dead receiver hold up only their own subscriptions; the dead one is paused with the reason and keeps its backlog', async () => {
    const fast = await receiver();
    const slow = await receiver(() => ({ delayMs: 10_000 }));
    const dead = await downUrl();
    await subscribe('objects', { type: 'webhook', url: fast.url, secret: 'k' });
    const sSlow = await subscribe('objects', { type: 'webhook', url: slow.url, secret: 'k' });
    const sDead = await subscribe('objects', { type: 'slack', url: dead });
    worker(config({ timeoutSeconds: 1, pauseAfterHours: 0.5 / 3600 }));
    await enqueue('objects', Array.from({ length: 20 }, (_, i) => i));
    await until(() => fast.ok().length === 20);
    await until(() => subs.get(sDead.id)!.state === 'paused');
    const paused = subs.get(sDead.id)!;
    expect(paused).toMatchObject({ pausedBy: 'failures' });
    expect(paused.pausedReason).toMatch(/paused after failing since .*ECONNREFUSED/);
    expect(outbox.backlog('objects', outbox.cursor(sDead.id)!.next)).toBe(20);
    // The slow receiver's request timed out: retried, nothing lost, nothing skipped.
    await until(() => subs.deliveries(sSlow.id, 10).some((d) => /timed out/.test(d.error ?? '')));
    expect(outbox.cursor(sSlow.id)!.next).toBe(1);
  });

  it('resumes a paused subscription with its backlog first, in order', async () => {
    let up = false;
    const r = await receiver(() => ({ status: up ? 200 : 500 }));
    const s = await subscribe('objects', { type: 'webhook', url: r.url, secret: 'k' });
    const w = worker(config({ pauseAfterHours: 0.3 / 3600 }));
    await enqueue('objects', ['1', '2', '3']);
    await until(() => subs.get(s.id)!.state === 'paused');
    const tries = r.got.length;
    await new Promise((res) => setTimeout(res, 300));
    expect(r.got.length).toBe(tries);
    await enqueue('objects', ['4']);
    up = true;
    await subs.resume(s.id);
    await until(() => r.ok().length === 4);
    expect(keysOf(r)).toEqual(['1', '2', '3', '4']);
    expect(w.counters.paused).toBe(1);
    // Paused by its owner: nothing goes until resumed.
    await subs.pause(s.id, 'user', 'paused by its owner');
    await until(() => w.idle());
    await enqueue('objects', ['5']);
    await new Promise((res) => setTimeout(res, 300));
    expect(keysOf(r)).toEqual(['1', '2', '3', '4']);
    await subs.resume(s.id);
    await until(() => keysOf(r).length === 5);
  });

  it('groups a digest by N messages, and sends a partial one after T seconds', async () => {
    const r = await receiver();
    await subscribe('objects', { type: 'webhook', url: r.url, secret: 'k' }, { digest: { maxMessages: 4, maxSeconds: 1 } });
    worker();
    const t0 = Date.now();
    await enqueue('objects', Array.from({ length: 10 }, (_, i) => i));
    await until(() => r.ok().length === 3);
    expect(r.ok().map((g) => JSON.parse(g.body).messages.length)).toEqual([4, 4, 2]);
    // The partial digest waited for its first message's max_seconds.
    expect(r.ok()[2].at - t0).toBeGreaterThanOrEqual(1000);
    expect(keysOf(r)).toEqual(Array.from({ length: 10 }, (_, i) => String(i)));
    const last = JSON.parse(r.ok()[2].body);
    expect(last.idempotency_key).toMatch(/^objects:digest:[0-9a-f]{32}$/);
    expect(r.ok()[2].headers['skyjoin-idempotency-key']).toBe(last.idempotency_key);
  });

  it('holds messages over the rate limit and sends them together in the next notification allowed', async () => {
    const r = await receiver();
    await subscribe('objects', { type: 'webhook', url: r.url, secret: 'k' }, { rateLimit: { notifications: 2, perSeconds: 1 } });
    worker();
    const t0 = Date.now();
    await enqueue('objects', Array.from({ length: 7 }, (_, i) => i));
    await until(() => keysOf(r).length === 7);
    expect(r.ok().map((g) => JSON.parse(g.body).messages.length)).toEqual([1, 1, 5]);
    // The third waited until the window of the first two had passed.
    expect(r.ok()[2].at - t0).toBeGreaterThanOrEqual(1000);
  });

  it('sends nothing in quiet hours; what waited goes together when they end', async () => {
    const r = await receiver();
    const now = new Date();
    const hhmm = (d: Date) => `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
    const s = await subscribe('objects', { type: 'webhook', url: r.url, secret: 'k' }, { quietHours: { start: hhmm(new Date(now.getTime() - 60_000)), end: hhmm(new Date(now.getTime() + 3 * 60_000)), timezone: 'UTC' } });
    const w = worker();
    await enqueue('objects', ['q1', 'q2', 'q3']);
    await new Promise((res) => setTimeout(res, 400));
    expect(r.got).toHaveLength(0);
    expect(w.idle()).toBe(false);
    await subs.update(s.id, { quietHours: null });
    await until(() => r.ok().length === 1);
    expect(keysOf(r)).toEqual(['q1', 'q2', 'q3']);
  });

  it('a new subscription gets what is queued from its creation on; a deleted one stops at once', async () => {
    const a = await receiver();
    const b = await receiver();
    const sa = await subscribe('objects', { type: 'webhook', url: a.url, secret: 'k' });
    worker();
    await enqueue('objects', ['old']);
    await until(() => a.ok().length === 1);
    await new Promise((res) => setTimeout(res, 5));
    await subscribe('objects', { type: 'webhook', url: b.url, secret: 'k' });
    await enqueue('objects', ['new']);
    await until(() => b.ok().length === 1 && a.ok().length === 2);
    expect(keysOf(b)).toEqual(['new']);
    await subs.remove(sa.id);
    await new Promise((res) => setTimeout(res, 1100));
    await enqueue('objects', ['later']);
    await until(() => b.ok().length === 2);
    expect(keysOf(a)).toEqual(['old', 'new']);
  });

  it('a worker stopped with a send in flight records nothing for it; the next start sends it again', async () => {
    const r = await receiver((i) => ({ delayMs: i === 0 ? 600 : 0 }));
    const s = await subscribe('objects', { type: 'webhook', url: r.url, secret: 'k' });
    const w = worker();
    await enqueue('objects', ['m']);
    await until(() => w.idle() === false && subs.deliveries(s.id, 1).length === 0);
    await new Promise((res) => setTimeout(res, 100));
    await w.stop(10);
    await new Promise((res) => setTimeout(res, 800));
    expect(r.got).toHaveLength(1);
    expect(outbox.cursor(s.id)!.next).toBe(1);
    expect(subs.deliveries(s.id, 5)).toEqual([]);
    worker();
    await until(() => r.got.length === 2);
    expect(keysOf(r)).toEqual(['m', 'm']);
    await until(() => outbox.cursor(s.id)!.next === 2);
  });

  it('one worker per outbox: a second stands by and takes over when the first stops', async () => {
    const r = await receiver();
    await subscribe('objects', { type: 'webhook', url: r.url, secret: 'k' });
    const first = worker();
    const second = worker();
    await enqueue('objects', ['1', '2']);
    await until(() => first.counters.notifications + second.counters.notifications === 2);
    expect(r.ok()).toHaveLength(2);
    expect(Math.min(first.counters.notifications, second.counters.notifications)).toBe(0);
    const holder = first.counters.notifications > 0 ? first : second;
    const other = holder === first ? second : first;
    await holder.stop(100);
    await enqueue('objects', ['3']);
    // The receiver records a request before its answer reaches the worker: wait for the worker's count.
    await until(() => other.counters.notifications === 1, 10_000);
    expect(r.ok()).toHaveLength(3);
    expect(keysOf(r)).toEqual(['1', '2', '3']);
  });
});
