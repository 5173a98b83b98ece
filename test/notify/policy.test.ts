// The pure rules of notifications: address classes, signatures and their
// replay window, retry verdicts and delays, digests, rate windows, quiet
// hours, and the config's checks.

import { describe, expect, it } from 'vitest';
import { addressClass, refuseUrl } from '../../src/notify/address-policy.js';
import { resolveNotifyConfig } from '../../src/notify/config.js';
import { notificationKey, summarize } from '../../src/notify/message.js';
import { digestDue, inQuietHours, quietHoursProblem, RateWindow } from '../../src/notify/policy.js';
import { backoffMs, httpVerdict, retryAfterMs } from '../../src/notify/retry.js';
import { signBody, verifySignature } from '../../src/notify/signature.js';

describe('address policy', () => {
  it.each([
    ['127.0.0.1', 'loopback'], ['127.255.1.2', 'loopback'], ['::1', 'loopback'], ['::ffff:127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'], ['172.16.0.1', 'private'], ['172.31.255.255', 'private'], ['192.168.1.1', 'private'], ['fd12::1', 'private'], ['100.64.0.1', 'private'],
    ['169.254.169.254', 'link-local'], ['fe80::1', 'link-local'],
    ['0.0.0.0', 'never'], ['224.0.0.1', 'never'], ['::', 'never'],
    ['8.8.8.8', 'public'], ['172.32.0.1', 'public'], ['2001:db8::1', 'public'], ['::ffff:8.8.8.8', 'public'],
  ])('%s is %s', (a, c) => expect(addressClass(a)).toBe(c));

  it('refuses private, loopback and link-local URLs unless allowed, and odd schemes always', () => {
    expect(refuseUrl('http://127.0.0.1:9000/hook', [])).toMatch(/loopback address, refused unless .*notify.allowNetworks includes 'loopback'/);
    expect(refuseUrl('http://127.0.0.1:9000/hook', ['loopback'])).toBeNull();
    expect(refuseUrl('http://localhost/hook', [])).toMatch(/loopback/);
    expect(refuseUrl('http://[::1]/hook', [])).toMatch(/loopback/);
    expect(refuseUrl('http://169.254.169.254/latest/meta-data', ['loopback', 'private'])).toMatch(/link-local/);
    expect(refuseUrl('https://10.0.0.5/x', [])).toMatch(/private/);
    expect(refuseUrl('https://10.0.0.5/x', ['private'])).toBeNull();
    expect(refuseUrl('https://example.org/x', [])).toBeNull();
    expect(refuseUrl('ftp://example.org/x', [])).toMatch(/http/);
    expect(refuseUrl('https://u:p@example.org/x', [])).toMatch(/user name/);
    expect(refuseUrl('not a url', [])).toMatch(/not a URL/);
  });
});

describe('webhook signatures', () => {
  const secret = 'whsec_test';
  const body = '{"stream":"objects","messages":[]}';
  it('verifies what it signs, within the replay window only', () => {
    const now = 1_700_000_000_000;
    const h = signBody(secret, body, now);
    expect(h).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    expect(verifySignature(secret, h, body, { nowMs: now + 1000 })).toBeNull();
    expect(verifySignature(secret, h, Buffer.from(body), { nowMs: now })).toBeNull();
    expect(verifySignature(secret, h, body, { nowMs: now + 301_000 })).toMatch(/replay window/);
    expect(verifySignature(secret, h, body, { nowMs: now + 3_600_000, toleranceS: 7200 })).toBeNull();
    expect(verifySignature(secret, h, `${body} `, { nowMs: now })).toMatch(/does not match/);
    expect(verifySignature('whsec_other', h, body, { nowMs: now })).toMatch(/does not match/);
    // The timestamp is signed: moving it breaks the signature.
    expect(verifySignature(secret, h.replace('t=1700000000', 't=1700000100'), body, { nowMs: now + 100_000 })).toMatch(/does not match/);
    expect(verifySignature(secret, undefined, body)).toMatch(/no Skyjoin-Signature/);
    expect(verifySignature(secret, 'v1=abc', body)).toMatch(/malformed/);
  });
});

describe('retries', () => {
  it('retries 5xx, 408 and 429; other 4xx are final', () => {
    expect([200, 201, 204].map(httpVerdict)).toEqual(['ok', 'ok', 'ok']);
    expect([500, 502, 503, 504, 408, 429].map(httpVerdict)).toEqual(Array(6).fill('retry'));
    expect([400, 401, 403, 404, 410, 413, 301].map(httpVerdict)).toEqual(Array(7).fill('final'));
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('7')).toBe(7000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(retryAfterMs(undefined)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });

  it('backs off exponentially, capped, keeping a random half (equal jitter)', () => {
    expect(backoffMs(1, 1, 600, () => 0)).toBe(500);
    expect(backoffMs(1, 1, 600, () => 1)).toBe(1000);
    expect(backoffMs(4, 1, 600, () => 0.5)).toBe(6000);
    expect(backoffMs(30, 1, 600, () => 1)).toBe(600_000);
    expect(backoffMs(30, 1, 600, () => 0)).toBe(300_000);
  });
});

describe('digest, rate limit, quiet hours', () => {
  it('sends a digest at N messages or once the first waited T seconds', () => {
    const d = { maxMessages: 3, maxSeconds: 60 };
    expect(digestDue(d, 0, 0, 1e6)).toBe(false);
    expect(digestDue(d, 2, 1000, 1000 + 59_999)).toBe(false);
    expect(digestDue(d, 2, 1000, 1000 + 60_000)).toBe(true);
    expect(digestDue(d, 3, 1000, 1001)).toBe(true);
    expect(digestDue(null, 1, 1000, 1000)).toBe(true);
  });

  it('allows N sends in any window of S seconds', () => {
    const r = new RateWindow({ notifications: 2, perSeconds: 10 });
    expect(r.waitMs(0)).toBe(0);
    r.record(0);
    r.record(4000);
    expect(r.waitMs(5000)).toBe(5000);
    expect(r.waitMs(10_000)).toBe(0);
    r.record(10_000);
    expect(r.waitMs(10_000)).toBe(4000);
  });

  it('knows quiet hours across midnight and in a time zone', () => {
    const q = { start: '22:00', end: '07:00', timezone: 'UTC' };
    expect(inQuietHours(q, Date.parse('2024-01-10T23:30:00Z'))).toBe(true);
    expect(inQuietHours(q, Date.parse('2024-01-10T06:59:00Z'))).toBe(true);
    expect(inQuietHours(q, Date.parse('2024-01-10T07:00:00Z'))).toBe(false);
    expect(inQuietHours(q, Date.parse('2024-01-10T21:59:00Z'))).toBe(false);
    // 22:30 in Berlin (UTC+1 in January) is 21:30 UTC.
    const berlin = { ...q, timezone: 'Europe/Berlin' };
    expect(inQuietHours(berlin, Date.parse('2024-01-10T21:30:00Z'))).toBe(true);
    expect(inQuietHours(berlin, Date.parse('2024-01-10T06:30:00Z'))).toBe(false);
    expect(inQuietHours({ start: '09:00', end: '17:00', timezone: 'UTC' }, Date.parse('2024-01-10T12:00:00Z'))).toBe(true);
    expect(inQuietHours(null, 0)).toBe(false);
    expect(quietHoursProblem({ start: '25:00', end: '07:00', timezone: 'UTC' })).toMatch(/quiet_hours.start/);
    expect(quietHoursProblem({ start: '22:00', end: '7:00', timezone: 'UTC' })).toMatch(/quiet_hours.end/);
    expect(quietHoursProblem({ start: '22:00', end: '07:00', timezone: 'Mars/Olympus' })).toMatch(/quiet_hours.timezone/);
  });
});

describe('messages', () => {
  it('summarises a watch-list hit and an annotated record; keys are stream + message key', () => {
    const hit = summarize('watchlist-ab', { key: '123:SN 1', value: { watchlist_id: 'ab', watchlist_name: 'SNe', kind: 'target', target: 'SN 1', sep_arcsec: 0.5, object_id: '7', alert_id: '123', ra: 10, dec: -5, band: 'g', mag: 18.25, survey: 'ztf' } }, 'https://broker.example');
    expect(hit).toMatchObject({ idempotencyKey: 'watchlist-ab:123:SN 1', why: 'watch list "SNe": target SN 1 at 0.50"', pageUrl: 'https://broker.example/#/objects/7', jsonUrl: 'https://broker.example/v1/objects/7', mag: 18.25, band: 'g' });
    const ann = summarize('annotated', { key: '9', value: { object_id: '1', annotations: { gcvs: [{ id: 'V1', sep_arcsec: 3 }], bsc5: [{ id: 'HR 1', sep_arcsec: 1.5 }], openngc: [] } } }, 'http://x');
    expect(ann.annotation).toBe('bsc5 HR 1 at 1.50"');
    expect(ann.why).toBe('stream annotated');
    expect(summarize('filter-f1', { key: '1', value: { filter_name: 'fast risers' } }, 'http://x').why).toBe('filter "fast risers"');
    const one = notificationKey({ stream: 's', messages: [{ stream: 's', seq: 1, key: 'a', value: {}, enqueuedAtMs: 0 }] });
    expect(one).toBe('s:a');
    const two = (keys: string[]) => notificationKey({ stream: 's', messages: keys.map((k, i) => ({ stream: 's', seq: i, key: k, value: {}, enqueuedAtMs: 0 })) });
    expect(two(['a', 'b'])).toBe(two(['a', 'b']));
    expect(two(['a', 'b'])).not.toBe(two(['a', 'c']));
  });
});

describe('config', () => {
  it('has defaults and refuses unknown or bad settings, naming them', () => {
    const c = resolveNotifyConfig(undefined, '/data');
    expect(c).toMatchObject({ pauseAfterHours: 24, allowNetworks: [], timeoutSeconds: 10, smtp: null, voeventDir: '/data/notify/voevent' });
    expect(() => resolveNotifyConfig({ allowNetworks: ['everything'] } as never, '/d')).toThrow(/notify.allowNetworks/);
    expect(() => resolveNotifyConfig({ pauseAfterHrs: 1 } as never, '/d')).toThrow(/unknown setting 'notify.pauseAfterHrs'/);
    expect(() => resolveNotifyConfig({ pauseAfterHours: -1 }, '/d')).toThrow(/notify.pauseAfterHours/);
    expect(() => resolveNotifyConfig({ smtp: { port: 25 } } as never, '/d')).toThrow(/notify.smtp.host is required/);
    expect(() => resolveNotifyConfig({ smtp: { host: 'mail', from: 'nobody' } }, '/d')).toThrow(/notify.smtp.from/);
    expect(resolveNotifyConfig({ smtp: { host: 'mail', from: 'Broker <broker@example.org>' } }, '/d').smtp).toMatchObject({ port: 587, secure: false, rejectUnauthorized: true });
    expect(() => resolveNotifyConfig({ publicBaseUrl: 'ftp://x' }, '/d')).toThrow(/publicBaseUrl/);
  });
});
