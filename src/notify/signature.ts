// Webhook signatures. Every POST carries
//   Skyjoin-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
// so a receiver proves the body came from the broker with the subscription's
// secret, unchanged, and recently: it refuses a timestamp outside its replay
// window (5 minutes by default). A retry is signed anew with its own time.

import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'skyjoin-signature';
export const IDEMPOTENCY_HEADER = 'skyjoin-idempotency-key';
export const DEFAULT_REPLAY_WINDOW_S = 300;

function mac(secret: string, t: number, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
}

/** The Skyjoin-Signature header value of a body sent at `nowMs`. */
export function signBody(secret: string, body: string | Uint8Array, nowMs = Date.now()): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${mac(secret, t, body)}`;
}

/**
 * Whether a received body is authentic: signed with `secret`, at most
 * `toleranceS` seconds from now. Returns null when it is, else the reason.
 * Receivers in Node can use this as it is (it is exported by the package).
 */
export function verifySignature(secret: string, header: string | undefined, body: string | Uint8Array, opts: { toleranceS?: number; nowMs?: number } = {}): string | null {
  if (!header) return 'no Skyjoin-Signature header';
  const parts = new Map(header.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1');
  if (!Number.isInteger(t) || !v1 || !/^[0-9a-f]{64}$/.test(v1)) return 'malformed Skyjoin-Signature header';
  const now = (opts.nowMs ?? Date.now()) / 1000;
  if (Math.abs(now - t) > (opts.toleranceS ?? DEFAULT_REPLAY_WINDOW_S)) return 'timestamp outside the replay window';
  const want = Buffer.from(mac(secret, t, body), 'hex');
  return timingSafeEqual(want, Buffer.from(v1, 'hex')) ? null : 'signature does not match';
}
