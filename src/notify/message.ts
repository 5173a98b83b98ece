// What a notification says, whatever the channel: the queued output records
// of one stream (one, or several in a digest), each with its idempotency key
// (stream + message key) and the fields a person reads first: object id and
// links, position, magnitude and band, why it matched (filter, or watch-list
// target and separation), and the top catalog annotation when the record
// carries annotations.

import { createHash } from 'node:crypto';

/** One output record in the outbox, in stream order. */
export interface QueuedMessage {
  stream: string;
  seq: number;
  key: string;
  value: Record<string, unknown>;
  enqueuedAtMs: number;
}

export interface Notification {
  subscriptionId: string;
  subscriptionName: string;
  stream: string;
  messages: QueuedMessage[];
  /** A sample from POST /v1/subscriptions/{id}/test. */
  test: boolean;
}

export interface Summary {
  idempotencyKey: string;
  objectId: string | null;
  alertId: string | null;
  survey: string | null;
  ra: number | null;
  dec: number | null;
  mjd: number | null;
  band: string | null;
  mag: number | null;
  /** Why the record is on this stream: filter, watch-list target/region and separation, or the stream. */
  why: string;
  /** The closest catalog counterpart, when the record is annotated. */
  annotation: string | null;
  pageUrl: string | null;
  jsonUrl: string | null;
}

/** The idempotency key of a message: stream and message key. */
export function idempotencyKey(stream: string, key: string): string {
  return `${stream}:${key}`;
}

/** The key of a whole notification: its message's key, or for several a digest of their keys (same messages, same key). */
export function notificationKey(n: Pick<Notification, 'stream' | 'messages'>): string {
  if (n.messages.length === 1) return idempotencyKey(n.stream, n.messages[0].key);
  const h = createHash('sha256');
  for (const m of n.messages) h.update(m.key).update('\u0000');
  return `${n.stream}:digest:${h.digest('hex').slice(0, 32)}`;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : null);
const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function arcsec(v: number): string {
  return `${v < 10 ? v.toFixed(2) : v.toFixed(1)}"`;
}

function why(stream: string, v: Record<string, unknown>): string {
  if (typeof v.watchlist_id === 'string') {
    const list = str(v.watchlist_name) ?? v.watchlist_id;
    const sep = numOrNull(v.sep_arcsec);
    const what = v.kind === 'region' ? `inside region ${str(v.target)}` : `target ${str(v.target)}`;
    return `watch list "${list}": ${what}${sep === null ? '' : ` at ${arcsec(sep)}`}`;
  }
  const filter = str(v.filter_name) ?? str(v.filter_id) ?? (stream.startsWith('filter-') ? stream.slice(7) : null);
  if (filter !== null) return `filter "${filter}"`;
  return `stream ${stream}`;
}

/** The closest counterpart over every catalog of an annotated record ({catalog: [{id, sep_arcsec}]}), as text. */
export function topAnnotation(v: Record<string, unknown>): string | null {
  if (typeof v.top_annotation === 'string') return v.top_annotation;
  const a = v.annotations;
  if (!a || typeof a !== 'object') return null;
  let best: { text: string; sep: number } | null = null;
  for (const [catalog, list] of Object.entries(a as Record<string, unknown>)) {
    if (!Array.isArray(list)) continue;
    for (const m of list as Array<Record<string, unknown>>) {
      const sep = numOrNull(m?.sep_arcsec);
      if (sep === null || (best && best.sep <= sep)) continue;
      best = { text: `${catalog} ${str(m.id) ?? '?'} at ${arcsec(sep)}`, sep };
    }
  }
  return best?.text ?? null;
}

export function summarize(stream: string, m: Pick<QueuedMessage, 'key' | 'value'>, publicBaseUrl: string): Summary {
  const v = m.value;
  const objectId = str(v.object_id);
  const enc = objectId === null ? null : encodeURIComponent(objectId);
  return {
    idempotencyKey: idempotencyKey(stream, m.key),
    objectId,
    alertId: str(v.alert_id),
    survey: str(v.survey),
    ra: numOrNull(v.ra),
    dec: numOrNull(v.dec),
    mjd: numOrNull(v.mjd),
    band: str(v.band),
    mag: numOrNull(v.mag),
    why: why(stream, v),
    annotation: topAnnotation(v),
    pageUrl: enc === null ? null : `${publicBaseUrl}/#/objects/${enc}`,
    jsonUrl: enc === null ? null : `${publicBaseUrl}/v1/objects/${enc}`,
  };
}

/** One line for people: "object 123 (ztf) RA 10.68470 Dec +41.26900, r = 18.52: watch list ..." */
export function summaryLine(s: Summary): string {
  const pos = s.ra === null || s.dec === null ? 'position unknown' : `RA ${s.ra.toFixed(5)} Dec ${s.dec >= 0 ? '+' : ''}${s.dec.toFixed(5)}`;
  const mag = s.mag === null ? '' : `, ${s.band ?? '?'} = ${s.mag.toFixed(2)}`;
  return `object ${s.objectId ?? '?'}${s.survey ? ` (${s.survey})` : ''} ${pos}${mag}: ${s.why}${s.annotation ? `; nearest: ${s.annotation}` : ''}`;
}

/** A made-up record for POST /v1/subscriptions/{id}/test: a watch-list hit on SN 2023ixf. */
export function sampleMessage(stream: string, nowMs: number): QueuedMessage {
  const key = `test-${nowMs}`;
  return {
    stream, seq: 0, key, enqueuedAtMs: nowMs,
    value: {
      test: true, watchlist_id: 'sample', watchlist_name: 'sample list', kind: 'target', target: 'SN 2023ixf', sep_arcsec: 0.31,
      alert_id: '2475433850015010009', object_id: '1', survey: 'ztf', ra: 210.910674, dec: 54.311655, mjd: 60083.3, band: 'r', mag: 14.87,
      annotations: { openngc: [{ id: 'NGC5457', sep_arcsec: 257.4 }] },
    },
  };
}
