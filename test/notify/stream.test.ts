// The real ZTF alerts through `skyjoin stream` (the command a user runs, in a
// child process) with a watch list subscribed on every channel (signed
// webhook, Slack, e-mail digests, VOEvent files) and the built-in objects
// stream on a webhook: every expected notification arrives, once in a clean
// run; digests group as configured; and with kill -9 of the stream and of
// `skyjoin notify` at random moments, nothing is lost and repeats carry the
// same idempotency key.

import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/service/app.js';
import type { ServiceContext } from '../../src/service/context.js';
import { KeyStore } from '../../src/service/keys.js';
import { AlertDecoder } from '../../src/stream/decoding/decoder.js';
import { fileBatches } from '../../src/stream/sources/file.js';
import { BIN, ensureBuilt, runBin } from '../support/bin.js';
import { httpReceiver, smtpReceiver, type HttpReceiver, type SmtpReceiver } from '../support/receivers.js';
import { tempDir } from '../support/tmp.js';
import { SHARED_DATA } from '../support/vectors.js';

const ALERTS = path.join(SHARED_DATA, 'ztf', 'alerts');
const XSD = path.join(SHARED_DATA, 'voevent', 'VOEvent-v2.0.xsd');
const BASE = 'https://broker.example.org';
const tmp = tempDir();
const opened: Array<{ close(): Promise<void> }> = [];
let targets: Array<{ name: string; ra: number; dec: number; radius_arcsec: number }> = [];

beforeAll(async () => {
  ensureBuilt();
  // Targets on every 8th distinct alert position: hits on real alerts, some objects hit more than once.
  const seen = new Set<string>();
  const pos: Array<[number, number]> = [];
  const dec = new AlertDecoder();
  for (const b of fileBatches(ALERTS, 1000)) for (const m of b) for (const a of await dec.decode(m.value)) {
    const k = `${a.ra.toFixed(4)},${a.dec.toFixed(4)}`;
    if (!seen.has(k)) { seen.add(k); pos.push([a.ra, a.dec]); }
  }
  targets = pos.filter((_, i) => i % 8 === 0).map(([ra, d], i) => ({ name: `T${i} <${i}>`, ra, dec: d, radius_arcsec: 2 }));
}, 240_000);
afterAll(async () => {
  for (const o of opened) await o.close();
  tmp.cleanup();
});

interface World {
  data: string;
  config: string;
  watchlist: string;
  subs: Record<'hook' | 'slack' | 'mail' | 'voe' | 'objects', { id: string; secret?: string }>;
  hook: HttpReceiver;
  slack: HttpReceiver;
  objects: HttpReceiver;
  smtp: SmtpReceiver;
}

/** A data folder with a key, a watch list, its subscriptions and their receivers (each taking `delayMs` per request). */
async function world(name: string, delayMs: number): Promise<World> {
  const data = path.join(tmp.dir, name);
  mkdirSync(data, { recursive: true });
  const answer = () => ({ delayMs });
  const [hook, slack, objects, smtp] = [await httpReceiver(answer), await httpReceiver(answer), await httpReceiver(answer), await smtpReceiver()];
  opened.push(hook, slack, objects, smtp);
  const notify = { allowNetworks: ['loopback'], publicBaseUrl: BASE, smtp: { host: '127.0.0.1', port: smtp.port, from: 'broker@example.org' }, retryBaseSeconds: 0.1, retryMaxSeconds: 0.5 };
  const config = path.join(data, 'config.json');
  writeFileSync(config, JSON.stringify({ notify }));
  const app = await buildApp({ dataDir: data, notify: notify as never });
  try {
    const key = (await new KeyStore((app as unknown as { skyjoin: ServiceContext }).skyjoin.env).create('astro')).key;
    const post = async (url: string, payload: unknown) => {
      const r = await app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${key}` }, payload: payload as object });
      expect(r.statusCode, r.body).toBeLessThan(300);
      return JSON.parse(r.body);
    };
    const watchlist = (await post('/v1/watchlists', { name: 'ZTF picks', targets })).id as string;
    const stream = `watchlist-${watchlist}`;
    const subs = {
      hook: await post('/v1/subscriptions', { name: 'hook', stream, channel: { type: 'webhook', url: hook.url } }),
      slack: await post('/v1/subscriptions', { name: 'slack', stream, channel: { type: 'slack', url: slack.url } }),
      mail: await post('/v1/subscriptions', { name: 'mail', stream, channel: { type: 'email', to: ['astro@example.org'] }, digest: { max_messages: 5, max_seconds: 1 } }),
      voe: await post('/v1/subscriptions', { name: 'voe', stream, channel: { type: 'voevent', folder: true } }),
      objects: await post('/v1/subscriptions', { name: 'objects', stream: 'objects', channel: { type: 'webhook', url: objects.url } }),
    };
    return { data, config, watchlist, subs, hook, slack, objects, smtp };
  } finally {
    await app.close();
  }
}

const streamArgs = (w: World, wait: number) => ['stream', '--from', `file:${ALERTS}`, '--data', w.data, '--config', w.config, '--no-annotate', '--no-archive', '--no-cutouts', '--no-parquet', '--notify-wait', String(wait)];

/** What should have been notified: the watch list's recorded hits and the objects the stream published. */
async function expected(w: World): Promise<{ hits: Map<string, { object: string; target: string }>; objects: Set<string> }> {
  const app = await buildApp({ dataDir: w.data });
  try {
    const ctx = (app as unknown as { skyjoin: ServiceContext }).skyjoin;
    const hits = new Map<string, { object: string; target: string }>();
    for (const { value } of ctx.env.openDB('wl.hits', {}).getRange({ start: [w.watchlist], end: [`${w.watchlist}\u0000`] })) {
      const h = value as { alertId: string; target: string; objectId: string };
      hits.set(`watchlist-${w.watchlist}:${h.alertId}:${h.target}`, { object: h.objectId, target: h.target });
    }
    const objects = new Set(readFileSync(path.join(w.data, 'stream', 'out', 'objects.jsonl'), 'utf8').trim().split('\n').map((l) => `objects:${JSON.parse(l).object_id}`));
    return { hits, objects };
  } finally {
    await app.close();
  }
}

/** Per accepted webhook request, its message keys; each request's header key must be its body's. */
function webhookKeys(r: HttpReceiver, secret: string): string[] {
  expect(r.badSignatures(secret)).toEqual([]);
  return r.ok().flatMap((g) => {
    const b = JSON.parse(g.body);
    expect(g.headers['skyjoin-idempotency-key']).toBe(b.idempotency_key);
    return (b.messages as Array<{ idempotency_key: string }>).map((m) => m.idempotency_key);
  });
}

/** (object, target) pairs a Slack payload or a mail text names. */
function pairs(text: string): string[] {
  return [...text.matchAll(/object (\d+)[\s\S]*?target (T\d+ (?:<|&lt;)\d+(?:>|&gt;))/g)].map((m) => `${m[1]}|${m[2].replace('&lt;', '<').replace('&gt;', '>')}`);
}

function voeventFiles(w: World): string[] {
  const dir = path.join(w.data, 'notify', 'voevent', w.subs.voe.id);
  return readdirSync(dir).map((f) => path.join(dir, f));
}

function checkAll(w: World, want: Awaited<ReturnType<typeof expected>>, exactlyOnce: boolean): void {
  const hitKeys = [...want.hits.keys()].sort();
  const wantPairs = [...want.hits.values()].map((h) => `${h.object}|${h.target}`).sort();
  const hook = webhookKeys(w.hook, w.subs.hook.secret!);
  const objects = webhookKeys(w.objects, w.subs.objects.secret!);
  expect([...new Set(hook)].sort()).toEqual(hitKeys);
  expect([...new Set(objects)].sort()).toEqual([...want.objects].sort());
  const slack = w.slack.ok().flatMap((g) => pairs(JSON.parse(g.body).blocks.filter((b: { type: string }) => b.type === 'section').map((b: { text: { text: string } }) => b.text.text).join('\n')));
  expect([...new Set(slack)].sort()).toEqual([...new Set(wantPairs)].sort());
  const mail = w.smtp.mails.flatMap((m) => pairs(m.text.split('\n').filter((l) => l.startsWith('- ')).join('\n')));
  expect([...new Set(mail)].sort()).toEqual([...new Set(wantPairs)].sort());
  expect(voeventFiles(w)).toHaveLength(want.hits.size);
  if (exactlyOnce) {
    expect(hook.length).toBe(want.hits.size);
    expect(objects.length).toBe(want.objects.size);
    expect(slack.length).toBe(want.hits.size);
    expect(mail.length).toBe(want.hits.size);
  }
}

describe('notifications from `skyjoin stream` on real ZTF alerts', () => {
  it('delivers every expected notification once on every channel; digests group as configured', async () => {
    const w = await world('clean', 0);
    const r = await runBin(streamArgs(w, 60), { timeoutMs: 180_000 });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    const want = await expected(w);
    expect(want.hits.size).toBeGreaterThanOrEqual(targets.length);
    expect(want.objects.size).toBeGreaterThan(100);
    expect(report.notify).toMatchObject({ queued: want.hits.size * 1 + want.objects.size, failed: 0, paused: 0 });
    expect(Object.values(report.notify.backlog as Record<string, number>).every((b) => b === 0)).toBe(true);
    checkAll(w, want, true);
    // E-mail digests: at most 5 messages per mail, in order of the hits.
    const perMail = w.smtp.mails.map((m) => m.text.split('\n').filter((l) => l.startsWith('- ')).length);
    expect(perMail.every((k) => k >= 1 && k <= 5)).toBe(true);
    expect(perMail.reduce((a, b) => a + b, 0)).toBe(want.hits.size);
    expect(perMail.filter((k) => k === 5).length).toBeGreaterThanOrEqual(Math.floor(want.hits.size / 5) - 2);
    expect(w.smtp.mails[0].subject).toMatch(/^\[skyjoin\] (\d+ alerts on watchlist-|object \d+: watch list)/);
    // Every VOEvent packet is valid VOEvent 2.0.
    expect(() => execFileSync('xmllint', ['--noout', '--schema', XSD, ...voeventFiles(w)], { stdio: ['ignore', 'pipe', 'pipe'] })).not.toThrow();
    // Deliveries are visible per subscription.
    const app = await buildApp({ dataDir: w.data });
    try {
      const ctx = (app as unknown as { skyjoin: ServiceContext }).skyjoin;
      expect(ctx.subscriptions.deliveries(w.subs.hook.id, 5)[0]).toMatchObject({ outcome: 'delivered', status: 200 });
    } finally {
      await app.close();
    }
  }, 300_000);

  it('kill -9 of the stream and of `skyjoin notify` at random moments loses nothing; repeats keep their key', async () => {
    const w = await world('crash', 15);
    let kills = 0;
    let finished = false;
    for (let attempt = 0; attempt < 30 && !finished; attempt++) {
      const child = spawn(process.execPath, [BIN, ...streamArgs(w, 2)], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.resume();
      child.stderr.resume();
      const delay = attempt < 6 ? 900 + ((attempt * 1237) % 3500) : 1e9;
      const timer = setTimeout(() => { child.kill('SIGKILL'); kills++; }, delay);
      const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      clearTimeout(timer);
      finished = code === 0;
    }
    expect(finished).toBe(true);
    // Then the worker on its own, killed once mid-delivery, then run until idle.
    for (let attempt = 0; attempt < 5; attempt++) {
      const child = spawn(process.execPath, [BIN, 'notify', '--data', w.data, '--config', w.config, '--idle-exit', '1.5'], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.resume();
      child.stderr.resume();
      const timer = attempt === 0 ? setTimeout(() => { child.kill('SIGKILL'); kills++; }, 1200) : undefined;
      const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      clearTimeout(timer);
      if (code === 0) break;
    }
    expect(kills).toBeGreaterThanOrEqual(3);
    checkAll(w, await expected(w), false);
  }, 400_000);
});
