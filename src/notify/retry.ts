// What a failed delivery means and when to try again: 5xx, 408, 429,
// timeouts and connection errors are worth retrying (exponential backoff
// with jitter, or the receiver's Retry-After on 429 and 503); any other 4xx
// is final, since sending the same request again cannot change the answer.

export interface DeliveryResult {
  ok: boolean;
  /** Final: not retried (the notification is dropped, the attempt recorded). */
  final: boolean;
  /** HTTP status, or SMTP reply code. */
  status: number | null;
  latencyMs: number;
  error: string | null;
  /** The receiver asked to wait this long (Retry-After). */
  retryAfterMs?: number;
}

/** Whether an HTTP status is a success, worth retrying, or final. */
export function httpVerdict(status: number): 'ok' | 'retry' | 'final' {
  if (status >= 200 && status < 300) return 'ok';
  if (status >= 500 || status === 408 || status === 429) return 'retry';
  return 'final';
}

/** Retry-After as milliseconds from now: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, nowMs = Date.now()): number | undefined {
  const h = Array.isArray(header) ? header[0] : header;
  if (!h) return undefined;
  if (/^\s*\d+\s*$/.test(h)) return Number(h) * 1000;
  const t = Date.parse(h);
  return Number.isNaN(t) ? undefined : Math.max(0, t - nowMs);
}

/**
 * Delay before retry number `attempt` (1 = the first retry): base * 2^(attempt-1)
 * capped at max, of which a random half is kept ("equal jitter"), so that
 * receivers coming back up are not hit by every subscription at once.
 */
export function backoffMs(attempt: number, baseS: number, maxS: number, random: () => number = Math.random): number {
  const d = Math.min(maxS, baseS * 2 ** Math.min(60, Math.max(0, attempt - 1))) * 1000;
  return d / 2 + random() * (d / 2);
}
