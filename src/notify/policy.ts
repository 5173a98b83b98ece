// When a subscription may send: its digest policy (gather up to N messages
// or T seconds into one notification), its rate limit (at most N
// notifications in any S seconds) and its quiet hours (a daily window, in a
// time zone, when nothing is sent). Messages held back by any of them are
// kept in order and go out together in the next notification allowed.

export interface Digest {
  maxMessages: number;
  maxSeconds: number;
}

export interface RateLimit {
  notifications: number;
  perSeconds: number;
}

export interface QuietHours {
  /** "HH:MM", local time in `timezone`; the window may cross midnight. */
  start: string;
  end: string;
  /** IANA time zone (default UTC). */
  timezone: string;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

function minutes(hhmm: string): number {
  const m = HHMM.exec(hhmm)!;
  return Number(m[1]) * 60 + Number(m[2]);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) formatters.set(tz, (f = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })));
  return f;
}

/** Why a quiet-hours window is not valid, or null. */
export function quietHoursProblem(q: QuietHours): string | null {
  if (!HHMM.test(q.start)) return `quiet_hours.start must be HH:MM (00:00 to 23:59), got ${JSON.stringify(q.start)}`;
  if (!HHMM.test(q.end)) return `quiet_hours.end must be HH:MM (00:00 to 23:59), got ${JSON.stringify(q.end)}`;
  if (q.start === q.end) return 'quiet_hours.start and quiet_hours.end must differ';
  try {
    formatter(q.timezone);
  } catch {
    return `quiet_hours.timezone must be an IANA time zone such as UTC or Europe/Berlin, got ${JSON.stringify(q.timezone)}`;
  }
  return null;
}

/** Whether `nowMs` falls in the quiet hours: start inclusive, end exclusive, in the window's own time zone. */
export function inQuietHours(q: QuietHours | null, nowMs: number): boolean {
  if (!q) return false;
  const parts = formatter(q.timezone).formatToParts(new Date(nowMs));
  const h = Number(parts.find((p) => p.type === 'hour')!.value), m = Number(parts.find((p) => p.type === 'minute')!.value);
  const t = h * 60 + m, s = minutes(q.start), e = minutes(q.end);
  return s < e ? t >= s && t < e : t >= s || t < e;
}

/** Whether a digest of `pending` messages, the oldest queued at `oldestMs`, should go now. */
export function digestDue(d: Digest | null, pending: number, oldestMs: number, nowMs: number): boolean {
  if (pending === 0) return false;
  if (!d) return true;
  return pending >= d.maxMessages || nowMs - oldestMs >= d.maxSeconds * 1000;
}

/**
 * At most `notifications` sends in any `perSeconds` window: the times of the
 * last sends in a ring, so a check is one comparison with the oldest.
 */
export class RateWindow {
  private readonly times: Float64Array;
  private next = 0;
  private count = 0;

  constructor(readonly limit: RateLimit) {
    this.times = new Float64Array(limit.notifications);
  }

  /** Milliseconds until a send is allowed (0: now). */
  waitMs(nowMs: number): number {
    if (this.count < this.times.length) return 0;
    const oldest = this.times[this.next]; // the ring is full: next is the oldest slot
    return Math.max(0, oldest + this.limit.perSeconds * 1000 - nowMs);
  }

  record(nowMs: number): void {
    this.times[this.next] = nowMs;
    this.next = (this.next + 1) % this.times.length;
    if (this.count < this.times.length) this.count++;
  }
}
