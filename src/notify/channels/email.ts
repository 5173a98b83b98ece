// E-mail channel: SMTP through nodemailer (a well-kept client: TLS, STARTTLS,
// AUTH, pooling and MIME done right), with the server from the config's
// notify.smtp. One mail per notification, plain text and HTML, a digest
// listing every message. The Message-ID is made from the idempotency key, so
// a mail sent again after a crash has the same Message-ID and mail clients
// show it once.

import { createHash } from 'node:crypto';
import type { NotifyConfig, SmtpConfig } from '../config.js';
import { notificationKey, summarize, summaryLine, type Notification, type Summary } from '../message.js';
import type { DeliveryResult } from '../retry.js';
import { IDEMPOTENCY_HEADER } from '../signature.js';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
  messageId: string;
  idempotencyKey: string;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function subjectOf(n: Notification, sums: Summary[]): string {
  const t = n.test ? '[skyjoin test] ' : '[skyjoin] ';
  const s = sums.length === 1 ? `${t}object ${sums[0].objectId ?? '?'}: ${sums[0].why}` : `${t}${sums.length} alerts on ${n.stream} (${n.subscriptionName})`;
  return s.length <= 200 ? s : `${s.slice(0, 199)}…`;
}

function htmlRow(s: Summary): string {
  const obj = s.pageUrl ? `<a href="${esc(s.pageUrl)}">${esc(s.objectId ?? '?')}</a>${s.jsonUrl ? ` (<a href="${esc(s.jsonUrl)}">JSON</a>)` : ''}` : esc(s.objectId ?? '?');
  const cell = (v: string | null) => `<td>${v === null ? '' : esc(v)}</td>`;
  return `<tr><td>${obj}</td>${cell(s.survey)}${cell(s.ra === null ? null : s.ra.toFixed(5))}${cell(s.dec === null ? null : s.dec.toFixed(5))}` +
    `${cell(s.mag === null ? null : `${s.band ?? '?'} ${s.mag.toFixed(2)}`)}${cell(s.mjd === null ? null : s.mjd.toFixed(5))}${cell(s.why)}${cell(s.annotation)}</tr>`;
}

export function renderMail(n: Notification, publicBaseUrl: string): RenderedMail {
  const sums = n.messages.map((m) => summarize(n.stream, m, publicBaseUrl));
  const key = notificationKey(n);
  const intro = `${sums.length} notification${sums.length === 1 ? '' : 's'} from the subscription "${n.subscriptionName}" on the stream ${n.stream}${n.test ? ' (a test)' : ''}.`;
  const text = [intro, '', ...sums.flatMap((s) => [`- ${summaryLine(s)}`, ...(s.pageUrl ? [`  ${s.pageUrl}`] : [])]), '', `Idempotency key: ${key}`, ''].join('\n');
  const html = `<!doctype html><html><body><p>${esc(intro)}</p>` +
    '<table border="1" cellpadding="4" cellspacing="0"><thead><tr><th>object</th><th>survey</th><th>RA (deg)</th><th>Dec (deg)</th><th>mag</th><th>MJD</th><th>why</th><th>nearest</th></tr></thead><tbody>' +
    `${sums.map(htmlRow).join('')}</tbody></table><p style="color:#777">Idempotency key: ${esc(key)}</p></body></html>`;
  const messageId = `<${createHash('sha256').update(`${n.subscriptionId}\u0000${key}`).digest('hex').slice(0, 40)}@skyjoin.notify>`;
  return { subject: subjectOf(n, sums), text, html, messageId, idempotencyKey: key };
}

type Transport = { sendMail(m: Record<string, unknown>): Promise<{ accepted?: unknown[]; rejected?: unknown[]; response?: string }>; close(): void };

// One pooled transport per SMTP server (connections are reused between mails).
const transports = new Map<string, Transport>();

async function transportFor(smtp: SmtpConfig, timeoutS: number): Promise<Transport> {
  const id = JSON.stringify([smtp.host, smtp.port, smtp.secure, smtp.requireTLS, smtp.rejectUnauthorized, smtp.user, timeoutS]);
  let t = transports.get(id);
  if (!t) {
    // Loaded when the first mail goes, so processes that send none do not pay for it.
    const nodemailer = await import('nodemailer');
    const ms = timeoutS * 1000;
    t = nodemailer.createTransport({
      pool: true, maxConnections: 4, host: smtp.host, port: smtp.port, secure: smtp.secure, requireTLS: smtp.requireTLS,
      auth: smtp.user ? { user: smtp.user, pass: smtp.pass ?? '' } : undefined,
      connectionTimeout: ms, greetingTimeout: ms, socketTimeout: ms,
      tls: { rejectUnauthorized: smtp.rejectUnauthorized },
    }) as unknown as Transport;
    transports.set(id, t);
  }
  return t;
}

/** Closes the pooled SMTP connections (at shutdown). */
export function closeMailTransports(): void {
  for (const t of transports.values()) t.close();
  transports.clear();
}

export async function sendMail(to: string[], n: Notification, config: Pick<NotifyConfig, 'smtp' | 'publicBaseUrl' | 'timeoutSeconds'>): Promise<DeliveryResult> {
  const t0 = performance.now();
  if (!config.smtp) return { ok: false, final: false, status: null, latencyMs: 0, error: 'no SMTP server configured (notify.smtp in the config file)' };
  const m = renderMail(n, config.publicBaseUrl);
  try {
    const t = await transportFor(config.smtp, config.timeoutSeconds);
    const info = await t.sendMail({
      from: config.smtp.from, to, subject: m.subject, text: m.text, html: m.html, messageId: m.messageId,
      headers: { [`X-${IDEMPOTENCY_HEADER.replace(/(^|-)\w/g, (c) => c.toUpperCase())}`]: m.idempotencyKey },
    });
    const rejected = (info.rejected ?? []).length;
    if (rejected > 0 && (info.accepted ?? []).length === 0) return { ok: false, final: true, status: 550, latencyMs: performance.now() - t0, error: `every recipient refused: ${info.response ?? ''}` };
    return { ok: true, final: false, status: 250, latencyMs: performance.now() - t0, error: null };
  } catch (err) {
    const e = err as Error & { responseCode?: number; code?: string };
    // SMTP 5xx is permanent (unknown mailbox, refused), 4xx transient; no answer at all is transient.
    const code = e.responseCode ?? null;
    const final = code !== null && code >= 500 && code < 600;
    return { ok: false, final, status: code, latencyMs: performance.now() - t0, error: `${e.code ? `${e.code}: ` : ''}${e.message}`.slice(0, 300) };
  }
}
