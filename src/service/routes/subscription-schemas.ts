// The JSON shapes of /v1/subscriptions (request parts, the Subscription and
// delivery records as answered) and the mapping of stored records to them:
// snake_case, no secret, Slack URLs masked.

import type { Channel, DeliveryRecord, Subscription } from '../../notify/subscriptions.js';

export const channelSchema = {
  type: 'object', additionalProperties: false, required: ['type'],
  description: 'Where notifications go. webhook: {type, url}; slack: {type, url} (an incoming-webhook URL); email: {type, to: [addresses]}; voevent: {type, url} (POST) or {type, folder: true} (files in the server\'s VOEvent folder).',
  properties: {
    type: { type: 'string', enum: ['webhook', 'slack', 'email', 'voevent'] },
    url: { type: 'string', minLength: 1, maxLength: 2000, description: 'Receiver URL (http or https; private and loopback addresses only where the config allows them)' },
    to: { type: 'array', minItems: 1, maxItems: 50, items: { type: 'string', maxLength: 320 }, description: 'E-mail recipients' },
    folder: { type: 'boolean', description: 'VOEvent: write packets to the server\'s VOEvent folder instead of POSTing them' },
  },
} as const;

export const digestSchema = {
  type: ['object', 'null'], additionalProperties: false, required: ['max_messages', 'max_seconds'],
  description: 'Gather messages into one notification: send when max_messages wait or the first has waited max_seconds. null: one notification per message (e-mail default: 100 messages or 600 s).',
  properties: {
    max_messages: { type: 'integer', minimum: 1, maximum: 100000, description: 'Messages per notification at most' },
    max_seconds: { type: 'number', minimum: 0, maximum: 86400, description: 'Longest wait of the first message, seconds' },
  },
} as const;

export const rateSchema = {
  type: ['object', 'null'], additionalProperties: false, required: ['notifications', 'per_seconds'],
  description: 'At most this many notifications in any per_seconds; messages beyond wait and go together in the next notification allowed.',
  properties: { notifications: { type: 'integer', minimum: 1, maximum: 100000 }, per_seconds: { type: 'number', minimum: 1, maximum: 604800 } },
} as const;

export const quietSchema = {
  type: ['object', 'null'], additionalProperties: false, required: ['start', 'end'],
  description: 'A daily window (local time in timezone) when nothing is sent; what waited goes out together when it ends.',
  properties: {
    start: { type: 'string', description: 'HH:MM, inclusive', examples: ['22:00'] },
    end: { type: 'string', description: 'HH:MM, exclusive (may be earlier than start: the window crosses midnight)', examples: ['07:00'] },
    timezone: { type: 'string', default: 'UTC', description: 'IANA time zone', examples: ['Europe/Berlin'] },
  },
} as const;

export const subscriptionSchema = {
  $id: 'Subscription',
  type: 'object',
  properties: {
    id: { type: 'string', description: 'Subscription id' },
    name: { type: 'string' },
    stream: { type: 'string', description: 'Stream registry name' },
    channel: {
      type: 'object', description: 'Channel (no secret; Slack URLs masked)',
      properties: { type: { type: 'string' }, url: { type: 'string' }, to: { type: 'array', items: { type: 'string' } }, folder: { type: 'boolean' }, signed: { type: 'boolean', description: 'Requests carry Skyjoin-Signature' } },
    },
    digest: { type: 'object', nullable: true, properties: { max_messages: { type: 'integer' }, max_seconds: { type: 'number' } } },
    rate_limit: { type: 'object', nullable: true, properties: { notifications: { type: 'integer' }, per_seconds: { type: 'number' } } },
    quiet_hours: { type: 'object', nullable: true, properties: { start: { type: 'string' }, end: { type: 'string' }, timezone: { type: 'string' } } },
    state: { type: 'string', enum: ['active', 'paused'] },
    paused_by: { type: 'string', enum: ['user', 'failures'], description: 'Who paused it: its owner, or the worker after sustained failure' },
    paused_reason: { type: 'string', description: 'Why it is paused (the last error, after sustained failure)' },
    paused_at: { type: 'string' },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
    secret: { type: 'string', description: 'Signing secret: in the answer that made it only (creation, rotate_secret)' },
  },
} as const;

export const deliverySchema = {
  type: 'object',
  properties: {
    at: { type: 'string', description: 'When the attempt ended (ISO 8601)' },
    outcome: { type: 'string', enum: ['delivered', 'retrying', 'failed', 'test'], description: "failed: final (not retried, messages dropped); retrying: will be tried again" },
    status: { type: 'integer', nullable: true, description: 'HTTP status, or SMTP reply code' },
    latency_ms: { type: 'number' },
    error: { type: 'string', nullable: true },
    messages: { type: 'integer', description: 'Messages in the notification' },
    attempt: { type: 'integer', description: 'Attempt number of this notification' },
    idempotency_key: { type: 'string' },
  },
} as const;

function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    const parts = u.pathname.split('/');
    if (parts.length > 2) parts[parts.length - 1] = '****';
    return `${u.origin}${parts.join('/')}`;
  } catch {
    return '****';
  }
}

function channelOut(c: Channel): Record<string, unknown> {
  switch (c.type) {
    case 'webhook': return { type: c.type, url: c.url, signed: true };
    case 'slack': return { type: c.type, url: maskUrl(c.url) };
    case 'email': return { type: c.type, to: c.to };
    case 'voevent': return c.url ? { type: c.type, url: c.url, signed: true } : { type: c.type, folder: true };
  }
}

export function out(s: Subscription, secret?: string): Record<string, unknown> {
  return {
    id: s.id, name: s.name, stream: s.stream, channel: channelOut(s.channel),
    digest: s.digest && { max_messages: s.digest.maxMessages, max_seconds: s.digest.maxSeconds },
    rate_limit: s.rateLimit && { notifications: s.rateLimit.notifications, per_seconds: s.rateLimit.perSeconds },
    quiet_hours: s.quietHours, state: s.state,
    ...(s.pausedBy ? { paused_by: s.pausedBy, paused_reason: s.pausedReason, paused_at: s.pausedAt } : {}),
    created_at: s.createdAt, updated_at: s.updatedAt,
    ...(secret ? { secret } : {}),
  };
}

export function deliveryOut(d: DeliveryRecord): Record<string, unknown> {
  return { at: d.at, outcome: d.outcome, status: d.status, latency_ms: d.latencyMs, error: d.error, messages: d.messages, attempt: d.attempt, idempotency_key: d.idempotencyKey };
}
