// /v1/subscriptions through the service: create, list, get, update, pause,
// resume, delete, deliveries and test, per API key; secrets shown once and
// never logged; receiver URLs in private ranges refused unless the config
// allows them; fields named in every 400.

import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/service/app.js';
import type { ServiceContext } from '../../src/service/context.js';
import { KeyStore } from '../../src/service/keys.js';
import { closeMailTransports } from '../../src/notify/channels/email.js';
import { httpReceiver, smtpReceiver, type HttpReceiver, type SmtpReceiver } from '../support/receivers.js';
import { tempDir } from '../support/tmp.js';

const tmp = tempDir();
let app: FastifyInstance;
let strict: FastifyInstance;
let key = '', other = '';
let hook: HttpReceiver;
let smtp: SmtpReceiver;
let logged = '';

beforeAll(async () => {
  hook = await httpReceiver();
  smtp = await smtpReceiver();
  const sink = new Writable({ write(chunk, _enc, cb) { logged += String(chunk); cb(); } });
  app = await buildApp({
    dataDir: tmp.dir,
    logger: { level: 'trace', stream: sink },
    notify: { allowNetworks: ['loopback'], publicBaseUrl: 'https://broker.example.org', smtp: { host: '127.0.0.1', port: smtp.port, from: 'broker@example.org' } },
  });
  const ctx = (app as unknown as { skyjoin: ServiceContext }).skyjoin;
  key = (await new KeyStore(ctx.env).create('alice')).key;
  other = (await new KeyStore(ctx.env).create('bob')).key;
  strict = await buildApp({ dataDir: `${tmp.dir}/strict` });
});
afterAll(async () => {
  await app.close();
  await strict.close();
  await hook.close();
  closeMailTransports();
  await smtp.close();
  tmp.cleanup();
});

const auth = (k = key) => ({ authorization: `Bearer ${k}` });
const json = (r: { body: string }) => JSON.parse(r.body);
const post = (url: string, payload: unknown, k = key, a = app) => a.inject({ method: 'POST', url, headers: auth(k), payload: payload as object });

describe('/v1/subscriptions', () => {
  it('creates, lists, gets, updates, pauses, resumes and deletes; the secret only in the creating answer', async () => {
    const r = await post('/v1/subscriptions', { name: 'lab', stream: 'objects', channel: { type: 'webhook', url: hook.url }, digest: { max_messages: 10, max_seconds: 60 } });
    expect(r.statusCode, r.body).toBe(201);
    const s = json(r);
    expect(s).toMatchObject({ name: 'lab', stream: 'objects', channel: { type: 'webhook', url: hook.url, signed: true }, digest: { max_messages: 10, max_seconds: 60 }, rate_limit: null, quiet_hours: null, state: 'active' });
    expect(s.secret).toMatch(/^whsec_[\w-]{40,}$/);
    const secret = s.secret as string;
    const list = json(await app.inject({ method: 'GET', url: '/v1/subscriptions', headers: auth() })).subscriptions;
    expect(list.map((x: { id: string }) => x.id)).toContain(s.id);
    const got = await app.inject({ method: 'GET', url: `/v1/subscriptions/${s.id}`, headers: auth() });
    expect(json(got)).toMatchObject({ id: s.id, name: 'lab' });
    const patched = await app.inject({ method: 'PATCH', url: `/v1/subscriptions/${s.id}`, headers: auth(), payload: { name: 'lab 2', rate_limit: { notifications: 5, per_seconds: 60 }, quiet_hours: { start: '22:00', end: '06:00', timezone: 'Europe/Paris' } } });
    expect(json(patched)).toMatchObject({ name: 'lab 2', rate_limit: { notifications: 5, per_seconds: 60 }, quiet_hours: { start: '22:00', end: '06:00', timezone: 'Europe/Paris' }, digest: { max_messages: 10 } });
    const paused = json(await post(`/v1/subscriptions/${s.id}/pause`, {}));
    expect(paused).toMatchObject({ state: 'paused', paused_by: 'user', paused_reason: 'paused by its owner' });
    expect(json(await post(`/v1/subscriptions/${s.id}/resume`, {}))).toMatchObject({ state: 'active' });
    const rotated = json(await app.inject({ method: 'PATCH', url: `/v1/subscriptions/${s.id}`, headers: auth(), payload: { rotate_secret: true } }));
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(secret);
    // Secrets never again: not in list, get, update, pause answers.
    for (const body of [JSON.stringify(list), got.body, patched.body, JSON.stringify(paused)]) expect(body).not.toContain('whsec_');
    expect((await app.inject({ method: 'DELETE', url: `/v1/subscriptions/${s.id}`, headers: auth() })).statusCode).toBe(204);
    expect((await app.inject({ method: 'GET', url: `/v1/subscriptions/${s.id}`, headers: auth() })).statusCode).toBe(404);
    expect(logged.length).toBeGreaterThan(0);
    expect(logged).not.toContain(secret);
    expect(logged).not.toContain(rotated.secret);
  });

  it('belongs to its key: another key gets 404, no key 401', async () => {
    const s = json(await post('/v1/subscriptions', { stream: 'detections', channel: { type: 'voevent', folder: true } }));
    expect((await app.inject({ method: 'GET', url: `/v1/subscriptions/${s.id}`, headers: auth(other) })).statusCode).toBe(404);
    expect((await post(`/v1/subscriptions/${s.id}/pause`, {}, other)).statusCode).toBe(404);
    expect((await app.inject({ method: 'DELETE', url: `/v1/subscriptions/${s.id}`, headers: auth(other) })).statusCode).toBe(404);
    expect(json(await app.inject({ method: 'GET', url: '/v1/subscriptions', headers: auth(other) })).subscriptions).toEqual([]);
    const anon = await app.inject({ method: 'GET', url: '/v1/subscriptions' });
    expect(anon.statusCode).toBe(401);
    expect(json(anon).code).toBe('SKY_UNAUTHORIZED');
  });

  it('subscribes to built-in streams and to its own watch lists only', async () => {
    const wl = json(await post('/v1/watchlists', { name: 'mine' })).id;
    expect((await post('/v1/subscriptions', { stream: `watchlist-${wl}`, channel: { type: 'voevent', folder: true } })).statusCode).toBe(201);
    const r = await post('/v1/subscriptions', { stream: `watchlist-${wl}`, channel: { type: 'voevent', folder: true } }, other);
    expect(r.statusCode).toBe(400);
    expect(json(r).message).toMatch(/^stream 'watchlist-.*': no watch list/);
    const u = await post('/v1/subscriptions', { stream: 'everything', channel: { type: 'voevent', folder: true } });
    expect(u.statusCode).toBe(400);
    expect(json(u).message).toMatch(/stream 'everything': unknown stream/);
    const d = await post('/v1/subscriptions', { stream: 'deadletter', channel: { type: 'voevent', folder: true } });
    expect(d.statusCode).toBe(400);
  });

  it('subscribes to filter streams of the registry: its own filters and public ones, not another key\'s private ones', async () => {
    const sub = (stream: string, k = key) => post('/v1/subscriptions', { stream, channel: { type: 'voevent', folder: true } }, k);
    const mine = json(await post('/v1/filters', { name: 'mine', expression: 'alert.mag < 19.0' })).id;
    const shared = json(await post('/v1/filters', { name: 'shared', expression: 'alert.mag < 18.0', public: true })).id;
    // The registry lists both for their owner: the same names a subscription takes.
    const names = json(await app.inject({ method: 'GET', url: '/v1/streams', headers: auth() })).streams.map((s: { name: string }) => s.name);
    expect(names).toEqual(expect.arrayContaining([`filter-${mine}`, `filter-${shared}`]));
    expect((await sub(`filter-${mine}`)).statusCode).toBe(201);
    expect((await sub(`filter-${shared}`, other)).statusCode).toBe(201);
    const r = await sub(`filter-${mine}`, other);
    expect(r.statusCode).toBe(400);
    expect(json(r).message).toMatch(/^stream 'filter-.*': no filter/);
    expect((await sub('filter-nosuchfilter')).statusCode).toBe(400);
  });

  it('refuses receivers in private ranges unless the config allows them, naming the field', async () => {
    for (const url of ['http://10.0.0.1/x', 'http://169.254.169.254/latest', 'http://192.168.1.10/', 'http://[fd00::1]/']) {
      const r = await post('/v1/subscriptions', { stream: 'objects', channel: { type: 'webhook', url } });
      expect(r.statusCode, url).toBe(400);
      expect(json(r).message).toMatch(/^channel.url .*(private|link-local) address, refused unless/);
    }
    // The default config allows none: not even loopback.
    const sk = (await new KeyStore((strict as unknown as { skyjoin: ServiceContext }).skyjoin.env).create('s')).key;
    const r = await post('/v1/subscriptions', { stream: 'objects', channel: { type: 'slack', url: hook.url } }, sk, strict);
    expect(r.statusCode).toBe(400);
    expect(json(r).message).toMatch(/loopback address, refused unless the config's notify.allowNetworks includes 'loopback'/);
    const e = await post('/v1/subscriptions', { stream: 'objects', channel: { type: 'email', to: ['a@example.org'] } }, sk, strict);
    expect(json(e).message).toMatch(/needs an SMTP server in the service config \(notify.smtp\)/);
  });

  it('says which field is wrong', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ stream: 'objects', channel: { type: 'webhook' } }, /channel.url is required for a webhook channel/],
      [{ stream: 'objects', channel: { type: 'email', to: ['not-an-address'] } }, /channel.to\[0\] is not an e-mail address/],
      [{ stream: 'objects', channel: { type: 'slack', url: hook.url, to: ['a@b.c'] } }, /channel.to does not apply to a slack channel/],
      [{ stream: 'objects', channel: { type: 'pager' } }, /channel.type/],
      [{ stream: 'objects', channel: { type: 'voevent', folder: true }, digest: { max_messages: 5, max_seconds: 10 } }, /digest does not apply to a voevent channel/],
      [{ stream: 'objects', channel: { type: 'webhook', url: hook.url }, quiet_hours: { start: '22:00', end: '24:00' } }, /quiet_hours.end must be HH:MM/],
      [{ stream: 'objects', channel: { type: 'webhook', url: hook.url }, rate_limit: { notifications: 0, per_seconds: 60 } }, /rate_limit.notifications/],
      [{ stream: 'objects', channel: { type: 'webhook', url: hook.url }, colour: 'red' }, /unknown field 'colour'/],
    ];
    for (const [body, msg] of cases) {
      const r = await post('/v1/subscriptions', body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(json(r).message, JSON.stringify(body)).toMatch(msg);
    }
  });

  it('e-mail subscriptions are digests by default; Slack URLs are shown masked', async () => {
    const e = json(await post('/v1/subscriptions', { stream: 'objects', channel: { type: 'email', to: ['astro@example.org'] } }));
    expect(e.digest).toEqual({ max_messages: 100, max_seconds: 600 });
    expect(e.secret).toBeUndefined();
    const one = json(await post('/v1/subscriptions', { stream: 'objects', channel: { type: 'email', to: ['astro@example.org'] }, digest: null }));
    expect(one.digest).toBeNull();
    const s = json(await post('/v1/subscriptions', { stream: 'objects', channel: { type: 'slack', url: `${hook.url}/T000/B000/XXXXsecretXXXX` } }));
    expect(s.channel.url).toBe(`${new URL(hook.url).origin}/hook/T000/B000/****`);
    expect(JSON.stringify(json(await app.inject({ method: 'GET', url: '/v1/subscriptions', headers: auth() })))).not.toContain('XXXXsecretXXXX');
  });

  it('POST .../test sends a sample now and records it in deliveries', async () => {
    const s = json(await post('/v1/subscriptions', { stream: 'objects', channel: { type: 'webhook', url: hook.url }, quiet_hours: { start: '00:00', end: '23:59' } }));
    const before = hook.got.length;
    const t = await post(`/v1/subscriptions/${s.id}/test`, {});
    expect(t.statusCode, t.body).toBe(200);
    expect(json(t)).toMatchObject({ ok: true, status: 200, error: null });
    expect(hook.got.length).toBe(before + 1);
    const body = JSON.parse(hook.got.at(-1)!.body);
    expect(body).toMatchObject({ test: true, stream: 'objects', subscription_id: s.id });
    expect(body.messages[0].links.page).toMatch(/^https:\/\/broker.example.org\/#\/objects\//);
    expect(hook.badSignatures(s.secret)).toEqual([]);
    const m = json(await post('/v1/subscriptions', { stream: 'objects', channel: { type: 'email', to: ['astro@example.org'] } }));
    expect(json(await post(`/v1/subscriptions/${m.id}/test`, {}))).toMatchObject({ ok: true });
    expect(smtp.mails.at(-1)!.subject).toMatch(/^\[skyjoin test\] object 1: watch list "sample list"/);
    const d = json(await app.inject({ method: 'GET', url: `/v1/subscriptions/${s.id}/deliveries`, headers: auth() })).deliveries;
    expect(d[0]).toMatchObject({ outcome: 'test', status: 200, messages: 1, attempt: 1, error: null });
    expect(typeof d[0].latency_ms).toBe('number');
    // A receiver that fails: a 200 answer saying so.
    const dead = json(await post('/v1/subscriptions', { stream: 'objects', channel: { type: 'webhook', url: 'http://127.0.0.1:1/x' } }));
    expect(json(await post(`/v1/subscriptions/${dead.id}/test`, {}))).toMatchObject({ ok: false, error: expect.stringMatching(/ECONNREFUSED/) });
    expect(logged).not.toContain(s.secret);
  });
});
