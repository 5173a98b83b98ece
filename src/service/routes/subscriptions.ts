// Notification subscriptions: /v1/subscriptions ... Every route needs an API
// key; a subscription is visible only to the key that made it (others get
// 404). Signing secrets are returned once, when made (creation, or PATCH
// with rotate_secret), never again, and never logged; a Slack URL (its path
// is its credential) is shown masked.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { refuseUrl } from '../../notify/address-policy.js';
import { deliver } from '../../notify/channels/deliver.js';
import { notificationKey, sampleMessage } from '../../notify/message.js';
import { quietHoursProblem, type Digest, type QuietHours, type RateLimit } from '../../notify/policy.js';
import { newSecret, type Channel, type Subscription } from '../../notify/subscriptions.js';
import { clip } from '../../messages/quote.js';
import type { ServiceContext } from '../context.js';
import { BadRequest, SubscriptionNotFound, Unauthorized } from '../errors.js';
import { docsOnly, errorResponses } from '../schemas.js';
import { channelSchema, deliveryOut, deliverySchema, digestSchema, out, quietSchema, rateSchema, subscriptionSchema } from './subscription-schemas.js';

interface ChannelIn { type: Channel['type']; url?: string; to?: string[]; folder?: boolean }
interface DigestIn { max_messages: number; max_seconds: number }
interface RateIn { notifications: number; per_seconds: number }
interface QuietIn { start: string; end: string; timezone?: string }
interface SubIn { name?: string; stream: string; channel: ChannelIn; digest?: DigestIn | null; rate_limit?: RateIn | null; quiet_hours?: QuietIn | null }
interface PatchIn { name?: string; channel?: ChannelIn; digest?: DigestIn | null; rate_limit?: RateIn | null; quiet_hours?: QuietIn | null; rotate_secret?: boolean }

/** E-mail digests by default: a busy stream sends at most one mail per 10 minutes (or per 100 messages). */
export const EMAIL_DEFAULT_DIGEST: Digest = { maxMessages: 100, maxSeconds: 600 };
const EMPTY_BODY = { description: 'No fields: an empty object, or no body', content: { 'application/json': { schema: { type: 'object', properties: {}, examples: [{}] } } } };
const EMAIL = /^[^@\s<>"]{1,64}@[^@\s<>"]{1,255}$/;

function keyOf(req: FastifyRequest): string {
  if (!req.apiKey) throw new Unauthorized('subscriptions need an API key: Authorization: Bearer <key> (create one with `skyjoin keys create NAME`)');
  return req.apiKey.id;
}

export function subscriptionRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const store = ctx.subscriptions;
  const notify = ctx.config.notify;
  app.addSchema(subscriptionSchema);
  const security = [{ bearer: [] }];
  const idParam = { type: 'object', properties: { id: { type: 'string', description: 'Subscription id' } }, required: ['id'] } as const;
  const tags = ['subscriptions'];

  const mine = (req: FastifyRequest, id: string): Subscription => {
    const owner = keyOf(req);
    const s = store.get(id);
    if (!s || s.owner !== owner) throw new SubscriptionNotFound(clip(id));
    return s;
  };

  /** The channel as stored (a new secret when it needs one and has none), checked field by field. */
  const channelIn = (c: ChannelIn, prev?: Channel): { channel: Channel; secret?: string } => {
    const url = (): string => {
      if (!c.url) throw new BadRequest(`channel.url is required for a ${c.type} channel`);
      const why = refuseUrl(c.url, notify.allowNetworks);
      if (why) throw new BadRequest(`channel.url ${clip(c.url)}: ${why}`);
      return c.url;
    };
    const only = (allowed: string[]) => {
      for (const k of ['url', 'to', 'folder'] as const) if (c[k] !== undefined && !allowed.includes(k)) throw new BadRequest(`channel.${k} does not apply to a ${c.type} channel`);
    };
    const keep = prev && prev.type === c.type && 'secret' in prev ? prev.secret : undefined;
    switch (c.type) {
      case 'webhook': {
        only(['url']);
        const secret = keep ?? newSecret();
        return { channel: { type: 'webhook', url: url(), secret }, secret: keep ? undefined : secret };
      }
      case 'slack':
        only(['url']);
        return { channel: { type: 'slack', url: url() } };
      case 'email':
        only(['to']);
        if (!c.to || c.to.length === 0) throw new BadRequest('channel.to is required for an email channel: a list of addresses');
        for (const [i, a] of c.to.entries()) if (!EMAIL.test(a)) throw new BadRequest(`channel.to[${i}] is not an e-mail address: ${clip(JSON.stringify(a))}`);
        if (!notify.smtp) throw new BadRequest('channel type email needs an SMTP server in the service config (notify.smtp)');
        return { channel: { type: 'email', to: [...new Set(c.to)] } };
      case 'voevent': {
        only(['url', 'folder']);
        if (c.folder && c.url) throw new BadRequest('channel: give either url or folder: true for a voevent channel, not both');
        if (c.folder) return { channel: { type: 'voevent', folder: true } };
        if (c.folder === false && !c.url) throw new BadRequest('channel.url is required for a voevent channel unless folder is true');
        const secret = keep ?? newSecret();
        return { channel: { type: 'voevent', url: url(), secret }, secret: keep ? undefined : secret };
      }
    }
  };

  const policyIn = (type: Channel['type'], b: { digest?: DigestIn | null; rate_limit?: RateIn | null; quiet_hours?: QuietIn | null }) => {
    const r: { digest?: Digest | null; rateLimit?: RateLimit | null; quietHours?: QuietHours | null } = {};
    if (b.digest !== undefined) {
      if (b.digest && type === 'voevent') throw new BadRequest('digest does not apply to a voevent channel: a packet describes one event');
      if (b.digest && b.digest.max_messages > notify.maxMessagesPerNotification) throw new BadRequest(`digest.max_messages must be <= ${notify.maxMessagesPerNotification} (notify.maxMessagesPerNotification), got ${b.digest.max_messages}`);
      r.digest = b.digest && { maxMessages: b.digest.max_messages, maxSeconds: b.digest.max_seconds };
    }
    if (b.rate_limit !== undefined) r.rateLimit = b.rate_limit && { notifications: b.rate_limit.notifications, perSeconds: b.rate_limit.per_seconds };
    if (b.quiet_hours !== undefined) {
      const q = b.quiet_hours && { start: b.quiet_hours.start, end: b.quiet_hours.end, timezone: b.quiet_hours.timezone ?? 'UTC' };
      const why = q && quietHoursProblem(q);
      if (why) throw new BadRequest(why);
      r.quietHours = q;
    }
    return r;
  };

  const example = {
    name: 'SN candidates to our lab', stream: 'detections',
    channel: { type: 'webhook', url: 'https://example.org/hooks/skyjoin' },
    digest: { max_messages: 50, max_seconds: 300 },
    rate_limit: { notifications: 60, per_seconds: 3600 },
    quiet_hours: { start: '22:00', end: '07:00', timezone: 'Europe/Berlin' },
  };

  app.post<{ Body: SubIn }>('/v1/subscriptions', {
    config: { access: 'key' },
    schema: {
      tags, summary: 'Subscribe a stream to a channel', security,
      description: 'Notifies on a channel (webhook, slack, email, voevent) of every message of a stream this key may read: a built-in stream (annotated, objects, detections, nondetections) or watchlist-ID of its own watch lists. Messages queued from now on are delivered at least once, in order, retried on failure. The answer holds the signing secret of webhook and VOEvent-URL channels: it is shown this once.',
      body: {
        type: 'object', additionalProperties: false, required: ['stream', 'channel'], examples: [example],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 200, description: 'A name for people (default: the stream)' },
          stream: { type: 'string', minLength: 1, maxLength: 200, description: 'Stream registry name', examples: ['watchlist-3f2a9c1d0b7e4a55'] },
          channel: channelSchema, digest: digestSchema, rate_limit: rateSchema, quiet_hours: quietSchema,
        },
      },
      response: { 201: { $ref: 'Subscription#' }, ...errorResponses },
    },
  }, async (req, reply) => {
    const owner = keyOf(req);
    const b = req.body;
    const why = ctx.streamAccess.refuse(b.stream, owner);
    if (why) throw new BadRequest(`stream '${clip(b.stream)}': ${why}`);
    const { channel, secret } = channelIn(b.channel);
    const p = policyIn(channel.type, b);
    const s = await store.create(owner, {
      name: b.name ?? b.stream, stream: b.stream, channel,
      digest: p.digest !== undefined ? p.digest : channel.type === 'email' ? EMAIL_DEFAULT_DIGEST : null,
      rateLimit: p.rateLimit ?? null, quietHours: p.quietHours ?? null,
    });
    reply.code(201);
    return out(s, secret);
  });

  app.get('/v1/subscriptions', {
    config: { access: 'key' },
    schema: {
      tags, summary: "This key's subscriptions", security,
      description: 'Every subscription of the calling API key, with its state (paused ones with the reason); never a secret.',
      response: { 200: { type: 'object', properties: { subscriptions: { type: 'array', items: { $ref: 'Subscription#' } } } }, ...errorResponses },
    },
  }, async (req) => ({ subscriptions: store.list(keyOf(req)).map((s) => out(s)) }));

  app.get<{ Params: { id: string } }>('/v1/subscriptions/:id', {
    config: { access: 'key' },
    schema: {
      tags, summary: 'A subscription', security, params: idParam,
      description: 'The subscription with its state; when the delivery worker paused it after sustained failure, paused_by is "failures" and paused_reason holds the last error.',
      response: { 200: { $ref: 'Subscription#' }, ...errorResponses },
    },
  }, async (req) => out(mine(req, req.params.id)));

  app.patch<{ Params: { id: string }; Body: PatchIn }>('/v1/subscriptions/:id', {
    config: { access: 'key' },
    schema: {
      tags, summary: 'Change a subscription', security, params: idParam,
      description: 'Changes the name, the channel (its signing secret is kept unless the type changes or rotate_secret is true: a new secret is in this answer only), the digest, the rate limit or the quiet hours. The stream cannot change: make a new subscription.',
      body: {
        type: 'object', additionalProperties: false, examples: [{ name: 'renamed', rate_limit: { notifications: 10, per_seconds: 60 }, quiet_hours: null }],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 200 }, channel: channelSchema, digest: digestSchema, rate_limit: rateSchema, quiet_hours: quietSchema,
          rotate_secret: { type: 'boolean', description: 'Make a new signing secret (returned in this answer only)' },
        },
      },
      response: { 200: { $ref: 'Subscription#' }, ...errorResponses },
    },
  }, async (req) => {
    const cur = mine(req, req.params.id);
    const b = req.body ?? {};
    let secret: string | undefined;
    let channel = cur.channel;
    if (b.channel) ({ channel, secret } = channelIn(b.channel, cur.channel));
    if (b.rotate_secret) {
      if (!('secret' in channel) || !channel.secret) throw new BadRequest(`rotate_secret: a ${channel.type} channel${channel.type === 'voevent' ? ' writing to a folder' : ''} has no signing secret`);
      secret = newSecret();
      channel = { ...channel, secret };
    }
    const p = policyIn(channel.type, b);
    if (channel.type === 'voevent' && cur.digest && p.digest === undefined) p.digest = null;
    const s = await store.update(cur.id, { ...(b.name ? { name: b.name } : {}), channel, ...p });
    if (!s) throw new SubscriptionNotFound(clip(cur.id));
    return out(s, secret);
  });

  const stateRoute = (what: 'pause' | 'resume', summary: string, description: string) => {
    app.post<{ Params: { id: string } }>(`/v1/subscriptions/:id/${what}`, {
      config: { access: 'key', ...docsOnly({ body: EMPTY_BODY }) },
      schema: { tags, summary, description, security, params: idParam, response: { 200: { $ref: 'Subscription#' }, ...errorResponses } },
    }, async (req) => {
      const cur = mine(req, req.params.id);
      const s = what === 'pause' ? await store.pause(cur.id, 'user', 'paused by its owner') : await store.resume(cur.id);
      if (!s) throw new SubscriptionNotFound(clip(cur.id));
      return out(s);
    });
  };
  stateRoute('pause', 'Pause a subscription', 'Nothing is sent until it is resumed; its messages keep being queued (the backlog is kept, delivered in order on resume).');
  stateRoute('resume', 'Resume a subscription', 'Delivery starts again from where it stopped, the backlog first; a subscription paused after sustained failure starts afresh (no backoff).');

  app.delete<{ Params: { id: string } }>('/v1/subscriptions/:id', {
    config: { access: 'key' },
    schema: {
      tags, summary: 'Delete a subscription', security, params: idParam,
      description: 'Stops notifications at once; messages still queued for it are dropped, as are its delivery records.',
      response: { 204: { type: 'null', description: 'Deleted' }, ...errorResponses },
    },
  }, async (req, reply) => {
    const cur = mine(req, req.params.id);
    await store.remove(cur.id);
    return reply.code(204).send();
  });

  app.get<{ Params: { id: string }; Querystring: { limit: number } }>('/v1/subscriptions/:id/deliveries', {
    config: { access: 'key' },
    schema: {
      tags, summary: 'The last delivery attempts', security, params: idParam,
      description: `The last attempts, newest first: time, outcome, status, latency and error (at most the config's notify.deliveriesKept, ${notify.deliveriesKept} here).`,
      querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 100000, default: 50, description: 'Attempts to return' } } },
      response: { 200: { type: 'object', properties: { deliveries: { type: 'array', items: deliverySchema } } }, ...errorResponses },
    },
  }, async (req) => ({ deliveries: store.deliveries(mine(req, req.params.id).id, req.query.limit).map(deliveryOut) }));

  app.post<{ Params: { id: string } }>('/v1/subscriptions/:id/test', {
    config: { access: 'key', ...docsOnly({ body: EMPTY_BODY }) },
    schema: {
      tags, summary: 'Send a sample notification now', security, params: idParam,
      description: 'Sends one made-up message (a watch-list hit on SN 2023ixf, marked test) on the channel now, once, whatever the digest, rate limit, quiet hours or state, and answers how it went (also recorded in deliveries). A failed send is a 200 with ok: false and the error.',
      response: {
        200: {
          type: 'object',
          properties: { ok: { type: 'boolean' }, status: { type: 'integer', nullable: true }, latency_ms: { type: 'number' }, error: { type: 'string', nullable: true }, idempotency_key: { type: 'string' } },
        },
        ...errorResponses,
      },
    },
  }, async (req) => {
    const s = mine(req, req.params.id);
    const n = { subscriptionId: s.id, subscriptionName: s.name, stream: s.stream, messages: [sampleMessage(s.stream, Date.now())], test: true };
    const r = await deliver(s.channel, n, notify);
    const key = notificationKey(n);
    await store.recordDelivery({ subscription: s.id, at: new Date().toISOString(), outcome: 'test', ok: r.ok, status: r.status, latencyMs: Math.round(r.latencyMs * 10) / 10, error: r.error, messages: 1, attempt: 1, idempotencyKey: key });
    return { ok: r.ok, status: r.status, latency_ms: Math.round(r.latencyMs * 10) / 10, error: r.error, idempotency_key: key };
  });
}
