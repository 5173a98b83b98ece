// Each channel against a real receiver on loopback: webhooks to an HTTP
// server that checks signatures, the Slack payload against Slack's
// documented incoming-webhook format, e-mail to a real SMTP server, VOEvent
// packets validated by xmllint against the VOEvent 2.0 schema.

import { execFileSync } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeMailTransports, renderMail, sendMail } from '../../src/notify/channels/email.js';
import { postBody } from '../../src/notify/channels/http-post.js';
import { SLACK_MAX_BLOCKS, SLACK_MAX_HEADER, SLACK_MAX_SECTION, sendSlack, slackPayload } from '../../src/notify/channels/slack.js';
import { sendVoevent, voeventPacket } from '../../src/notify/channels/voevent.js';
import { sendWebhook, webhookBody } from '../../src/notify/channels/webhook.js';
import { resolveNotifyConfig } from '../../src/notify/config.js';
import { sampleMessage, type Notification, type QueuedMessage } from '../../src/notify/message.js';
import { downUrl, httpReceiver, smtpReceiver, type HttpReceiver, type SmtpReceiver } from '../support/receivers.js';
import { tempDir } from '../support/tmp.js';
import { SHARED_DATA } from '../support/vectors.js';

const tmp = tempDir();
const XSD = path.join(SHARED_DATA, 'voevent', 'VOEvent-v2.0.xsd');
const BASE = 'https://broker.example.org';
let smtp: SmtpReceiver;
const config = (o: Record<string, unknown> = {}) => resolveNotifyConfig({ publicBaseUrl: BASE, allowNetworks: ['loopback'], ...o }, tmp.dir);

beforeAll(async () => { smtp = await smtpReceiver({ refuseRcpt: (a) => a.startsWith('nobody@') }); });
afterAll(async () => {
  closeMailTransports();
  await smtp.close();
  tmp.cleanup();
});

function hit(i: number, extra: Record<string, unknown> = {}): QueuedMessage {
  return {
    stream: 'watchlist-w1', seq: i + 1, key: `24754338500150100${10 + i}:SN <${i}> & co`, enqueuedAtMs: 0,
    value: { watchlist_id: 'w1', watchlist_name: 'nearby SNe', kind: 'target', target: `SN <${i}> & co`, sep_arcsec: 0.42, alert_id: `24754338500150100${10 + i}`, object_id: String(100 + i), survey: 'ztf', ra: 210.910674 + i * 1e-3, dec: 54.311655, mjd: 60083.3 + i, band: 'r', mag: 14.87, ...extra },
  };
}
const note = (messages: QueuedMessage[], o: Partial<Notification> = {}): Notification => ({ subscriptionId: 'sub1', subscriptionName: 'my <subs>', stream: messages[0].stream, messages, test: false, ...o });

/** xmllint's verdict on a file against the VOEvent 2.0 schema (throws with its output when invalid). */
function xmllint(file: string): string {
  return execFileSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('webhook', () => {
  let r: HttpReceiver;
  beforeAll(async () => { r = await httpReceiver(); });
  afterAll(() => r.close());

  it('POSTs the messages as JSON, signed, with the idempotency key', async () => {
    const n = note([hit(0)]);
    const res = await sendWebhook(r.url, 'whsec_abc', n, BASE, config());
    expect(res).toMatchObject({ ok: true, status: 200, error: null });
    const g = r.got.at(-1)!;
    expect(r.badSignatures('whsec_abc')).toEqual([]);
    expect(r.badSignatures('whsec_other')).toHaveLength(r.got.length);
    expect(g.headers['content-type']).toBe('application/json');
    expect(g.headers['skyjoin-idempotency-key']).toBe(`watchlist-w1:${hit(0).key}`);
    const body = JSON.parse(g.body);
    expect(body).toEqual(webhookBody(n, BASE));
    expect(body.messages[0]).toMatchObject({ idempotency_key: `watchlist-w1:${hit(0).key}`, links: { page: `${BASE}/#/objects/100`, json: `${BASE}/v1/objects/100` }, value: hit(0).value });
  });

  it('refuses loopback unless the config allows it, also when a host name resolves there', async () => {
    const before = r.got.length;
    const res = await sendWebhook(r.url, 's', note([hit(0)]), BASE, config({ allowNetworks: [] }));
    expect(res).toMatchObject({ ok: false, final: true });
    expect(res.error).toMatch(/loopback/);
    const host = os.hostname();
    const resolved = await lookup(host).catch(() => null);
    if (resolved?.address.startsWith('127.')) {
      const named = await sendWebhook(r.url.replace('127.0.0.1', host), 's', note([hit(0)]), BASE, config({ allowNetworks: [] }));
      expect(named).toMatchObject({ ok: false, final: true });
      expect(named.error).toMatch(new RegExp(`${host} resolves to 127\\.0\\.0\\.1 is a loopback address`));
    }
    expect(r.got.length).toBe(before);
  });

  it('reads at most maxResponseBytes of an answer, times out on a slow receiver, retries a connection refused', async () => {
    const big = await httpReceiver(() => ({ status: 500, body: 'x'.repeat(1_000_000) }));
    const slow = await httpReceiver(() => ({ delayMs: 2000 }));
    try {
      const b = await postBody(big.url, '{}', { headers: {}, config: config({ maxResponseBytes: 100 }) });
      expect(b).toMatchObject({ ok: false, final: false, status: 500 });
      expect(b.response.length).toBeLessThanOrEqual(100);
      const s = await postBody(slow.url, '{}', { headers: {}, config: config({ timeoutSeconds: 0.2 }) });
      expect(s).toMatchObject({ ok: false, final: false, status: null });
      expect(s.error).toMatch(/timed out after 0.2 s/);
      const d = await postBody(await downUrl(), '{}', { headers: {}, config: config() });
      expect(d).toMatchObject({ ok: false, final: false });
      expect(d.error).toMatch(/ECONNREFUSED/);
    } finally {
      await big.close();
      await slow.close();
    }
  });

  it('reads Retry-After on 429 and treats 404 as final', async () => {
    const rl = await httpReceiver((n) => (n === 0 ? { status: 429, headers: { 'retry-after': '3' } } : { status: 404 }));
    try {
      expect(await postBody(rl.url, '{}', { headers: {}, config: config() })).toMatchObject({ ok: false, final: false, status: 429, retryAfterMs: 3000 });
      expect(await postBody(rl.url, '{}', { headers: {}, config: config() })).toMatchObject({ ok: false, final: true, status: 404 });
    } finally {
      await rl.close();
    }
  });
});

/**
 * Slack's incoming-webhook format (api.slack.com/messaging/webhooks, Block Kit
 * reference): a JSON object with a non-empty `text`; `blocks` at most 50; a
 * header's plain_text at most 150 characters; a section's text at most 3000;
 * a context at most 10 elements; links written <url|label>, and &, <, >
 * escaped in text.
 */
function slackProblems(p: Record<string, any>): string[] {
  const bad: string[] = [];
  if (typeof p.text !== 'string' || p.text.length === 0) bad.push('text must be a non-empty string');
  if (!Array.isArray(p.blocks)) return [...bad, 'blocks must be an array'];
  if (p.blocks.length > SLACK_MAX_BLOCKS || p.blocks.length > 50) bad.push(`at most 50 blocks, got ${p.blocks.length}`);
  const mrkdwn = (t: string, where: string) => {
    // Outside <...> links, no raw < or >; & only as an entity.
    const outside = t.replace(/<(https?:\/\/[^|>\s]+)\|[^<>]*>/g, '');
    if (/[<>]/.test(outside)) bad.push(`${where}: unescaped < or >`);
    if (/&(?!amp;|lt;|gt;)/.test(outside)) bad.push(`${where}: unescaped &`);
  };
  mrkdwn(p.text, 'text');
  for (const [i, b] of p.blocks.entries()) {
    if (b.type === 'header') {
      if (b.text?.type !== 'plain_text' || typeof b.text.text !== 'string' || b.text.text.length > SLACK_MAX_HEADER || b.text.text.length > 150) bad.push(`block ${i}: header needs plain_text <= 150`);
    } else if (b.type === 'section') {
      if (b.text?.type !== 'mrkdwn' || typeof b.text.text !== 'string' || b.text.text.length > SLACK_MAX_SECTION || b.text.text.length > 3000 || b.text.text.length === 0) bad.push(`block ${i}: section needs mrkdwn text of 1..3000`);
      else mrkdwn(b.text.text, `block ${i}`);
    } else if (b.type === 'context') {
      if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 10) bad.push(`block ${i}: context needs 1..10 elements`);
    } else {
      bad.push(`block ${i}: unexpected type ${b.type}`);
    }
  }
  return bad;
}

describe('Slack', () => {
  it('sends a readable message in the documented incoming-webhook format', async () => {
    const slack = await httpReceiver();
    try {
      const n = note([hit(0, { annotations: { openngc: [{ id: 'NGC5457', sep_arcsec: 257.4 }] } })]);
      expect((await sendSlack(slack.url, n, BASE, config())).ok).toBe(true);
      const p = JSON.parse(slack.got[0].body);
      expect(slack.got[0].headers['content-type']).toBe('application/json');
      expect(slackProblems(p)).toEqual([]);
      const section = p.blocks.find((b: { type: string }) => b.type === 'section').text.text as string;
      expect(section).toContain(`<${BASE}/#/objects/100|object 100>`);
      expect(section).toContain(`<${BASE}/v1/objects/100|JSON>`);
      expect(section).toContain('RA 210.91067°, Dec +54.31166°');
      expect(section).toContain('r = 14.87 mag');
      expect(section).toContain('Why: watch list "nearby SNe": target SN &lt;0&gt; &amp; co at 0.42"');
      expect(section).toContain('Nearest: openngc NGC5457 at 257.4"');
      expect(p.text).toContain('object 100');
    } finally {
      await slack.close();
    }
  });

  it('keeps a 500-message digest within Slack\'s limits', () => {
    const p = slackPayload(note(Array.from({ length: 500 }, (_, i) => hit(i))), BASE);
    expect(slackProblems(p)).toEqual([]);
    expect(JSON.stringify(p)).toContain('and 460 more');
    expect(p.blocks[0].text).toMatchObject({ text: 'skyjoin: 500 alerts on watchlist-w1' });
  });
});

describe('e-mail', () => {
  const smtpCfg = () => config({ smtp: { host: '127.0.0.1', port: smtp.port, from: 'Broker <broker@example.org>' } });

  it('sends plain text and HTML through a real SMTP server; the same notification keeps its Message-ID', async () => {
    const n = note([hit(0), hit(1), hit(2)]);
    expect(await sendMail(['astro@example.org', 'night@example.org'], n, smtpCfg())).toMatchObject({ ok: true, status: 250 });
    expect(await sendMail(['astro@example.org'], n, smtpCfg())).toMatchObject({ ok: true });
    const [a, b] = smtp.mails.slice(-2);
    expect(a.from).toBe('broker@example.org');
    expect(a.to).toEqual(['astro@example.org', 'night@example.org']);
    expect(a.subject).toBe('[skyjoin] 3 alerts on watchlist-w1 (my <subs>)');
    for (const i of [0, 1, 2]) {
      expect(a.text).toContain(`object ${100 + i} (ztf)`);
      expect(a.text).toContain(`${BASE}/#/objects/${100 + i}`);
      expect(a.html).toContain(`<a href="${BASE}/#/objects/${100 + i}">${100 + i}</a>`);
    }
    expect(a.html).toContain('SN &lt;0&gt; &amp; co');
    expect(a.html).not.toContain('SN <0>');
    expect(a.messageId).toBe(renderMail(n, BASE).messageId);
    expect(b.messageId).toBe(a.messageId);
    expect(a.headers.get('x-skyjoin-idempotency-key')).toBe(renderMail(n, BASE).idempotencyKey);
  });

  it('a refused recipient is final, an unreachable server is retried, no server configured is said', async () => {
    expect(await sendMail(['nobody@example.org'], note([hit(0)]), smtpCfg())).toMatchObject({ ok: false, final: true });
    const down = Number(new URL(await downUrl()).port);
    const r = await sendMail(['a@example.org'], note([hit(0)]), config({ timeoutSeconds: 2, smtp: { host: '127.0.0.1', port: down, from: 'b@example.org' } }));
    expect(r).toMatchObject({ ok: false, final: false });
    expect(r.error).toMatch(/ECONNREFUSED|ECONNECTION/);
    expect(await sendMail(['a@example.org'], note([hit(0)]), config())).toMatchObject({ ok: false, error: expect.stringMatching(/notify.smtp/) });
  });
});

describe('VOEvent', () => {
  const cfg = () => config({ voeventAuthority: 'broker.example.org' });

  it('packets validate against the VOEvent 2.0 schema (xmllint)', () => {
    const cases: Array<[string, Notification, QueuedMessage]> = [
      ['hit', note([hit(0)]), hit(0)],
      ['annotated', note([hit(1)], { stream: 'annotated' }), { ...hit(1), stream: 'annotated', value: { alert_id: '1', object_id: '2', survey: 'lsst', ra: 359.99, dec: -89.5, mjd: 60500.123456, band: 'i', mag: 21.3, annotations: { bsc5: [{ id: 'HR 1', sep_arcsec: 2 }] } } }],
      ['no position', note([hit(2)], { stream: 'objects' }), { ...hit(2), stream: 'objects', value: { object_id: '3' } }],
      ['test', note([sampleMessage('objects', 0)], { test: true, stream: 'objects' }), sampleMessage('objects', 0)],
    ];
    for (const [name, n, m] of cases) {
      const file = path.join(tmp.dir, `${name.replace(/ /g, '-')}.xml`);
      const xml = voeventPacket(n, m, cfg());
      writeFileSync(file, xml);
      expect(() => xmllint(file), `${name}:\n${xml}`).not.toThrow();
    }
    const xml = voeventPacket(note([hit(0)]), hit(0), cfg());
    expect(xml).toContain(`ivorn="ivo://broker.example.org/skyjoin#watchlist-w1/${encodeURIComponent(hit(0).key).replace(/&/g, '&amp;')}"`);
    expect(xml).toContain('<C1>210.910674</C1><C2>54.311655</C2>');
    expect(xml).toContain('<ISOTime>2023-05-19T07:12:00.000</ISOTime>');
    expect(xml).toContain('<Error2Radius>0.00002777777777777778</Error2Radius>');
    expect(xml).toContain('<Concept>watch list</Concept>');
    expect(xml).toContain('<Name>nearby SNe</Name>');
    // An invalid packet is caught: the check can fail.
    const broken = path.join(tmp.dir, 'broken.xml');
    writeFileSync(broken, xml.replace('<C1>', '<C1>not-a-number'));
    expect(() => xmllint(broken)).toThrow();
  });

  it('writes one file per message to the folder (a repeat overwrites it) or POSTs signed XML', async () => {
    const c = { ...cfg(), voeventDir: path.join(tmp.dir, 'voe') };
    const n = note([hit(0), hit(1)]);
    expect((await sendVoevent({ folder: true }, n, c)).ok).toBe(true);
    expect((await sendVoevent({ folder: true }, n, c)).ok).toBe(true);
    const files = readdirSync(path.join(c.voeventDir, 'sub1'));
    expect(files).toHaveLength(2);
    for (const f of files) expect(() => xmllint(path.join(c.voeventDir, 'sub1', f))).not.toThrow();
    expect(readFileSync(path.join(c.voeventDir, 'sub1', files[0]), 'utf8')).toContain('<voe:VOEvent');
    const r = await httpReceiver();
    try {
      expect((await sendVoevent({ url: r.url, secret: 'whsec_v' }, n, c)).ok).toBe(true);
      expect(r.got).toHaveLength(2);
      expect(r.got[0].headers['content-type']).toBe('application/xml');
      expect(r.badSignatures('whsec_v')).toEqual([]);
      expect(r.got.map((g) => g.headers['skyjoin-idempotency-key'])).toEqual([`watchlist-w1:${hit(0).key}`, `watchlist-w1:${hit(1).key}`]);
    } finally {
      await r.close();
    }
  });
});
