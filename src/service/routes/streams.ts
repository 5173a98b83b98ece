// The stream registry: /v1/streams ... Every stream the broker publishes: the
// built-in ones, one per watch list (private to the list's key) and one per
// filter (public or private as the filter). Each with its title, owner,
// description, provenance, protocol and address, Avro schema, times and
// message counts; owners change title and description. Consumers without
// Kafka pull messages with a cursor or tail them over Server-Sent Events.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BUILTIN_STREAMS } from '../../registry/streams.js';
import { skyjoinVersion } from '../../registry/version.js';
import { schemaFileOf, shippedSchemaDir } from '../../stream/sinks/avro-out.js';
import { clip } from '../../messages/quote.js';
import type { ServiceContext } from '../context.js';
import { Forbidden, StreamNotFound, Unauthorized } from '../errors.js';
import { errorResponses } from '../schemas.js';
import { messageSource, type StreamMessage } from '../stream-messages.js';

interface Described {
  name: string;
  kind: 'builtin' | 'watchlist' | 'filter';
  title: string;
  owner: string;
  author: string;
  description: string;
  public: boolean;
  createdAt: string | null;
  updatedAt: string | null;
  provenance: Record<string, unknown>;
}

const streamSchema = {
  $id: 'Stream',
  type: 'object',
  properties: {
    name: { type: 'string', description: 'Stream name: annotated, objects, ..., watchlist-ID, filter-ID' },
    kind: { type: 'string', enum: ['builtin', 'watchlist', 'filter'] },
    title: { type: 'string' },
    owner: { type: 'string', description: "Id of the owning API key; 'skyjoin' for the built-in streams" },
    author: { type: 'string', description: "Name of the owning API key; 'skyjoin broker' for the built-in streams" },
    description: { type: 'string' },
    public: { type: 'boolean', description: 'Readable by every key (private streams need the owner\'s key)' },
    protocol: { type: ['string', 'null'], description: "'kafka' or 'file' as the stream last wrote it; null before its first message" },
    address: { type: ['string', 'null'], description: 'kafka://BROKERS/TOPIC or the file path' },
    schema_file: { type: 'string', description: 'Avro schema file in schemas/ (the records are the same in JSON)' },
    created_at: { type: ['string', 'null'] },
    updated_at: { type: ['string', 'null'] },
    messages: { type: 'object', properties: { today: { type: 'integer', description: 'Written today (UTC)' }, total: { type: 'integer' } } },
    provenance: { type: 'object', additionalProperties: true, description: 'skyjoin version; the annotating catalogs (name, version, rows); a filter\'s expression and version' },
  },
} as const;

/** How often a live tail looks for new messages. */
const SSE_POLL_MS = 250;

const schemaCache = new Map<string, unknown>();
function avroSchema(file: string): unknown {
  let s = schemaCache.get(file);
  if (s === undefined) schemaCache.set(file, (s = JSON.parse(readFileSync(path.join(shippedSchemaDir(), file), 'utf8'))));
  return s;
}

export function streamRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.addSchema(streamSchema);
  // Live tails end when the service closes (else close() would wait for their clients).
  let closing = false;
  app.addHook('preClose', (done) => { closing = true; done(); });
  const keyName = (id: string): string => ctx.keys.list().find((k) => k.id === id)?.name ?? id;
  const catalogsProvenance = () => [...ctx.catalogs.values()].map((c) => ({ name: c.name, title: c.title ?? null, version: c.catalog.info.createdAt, rows: c.catalog.length }));

  /** Every stream, described, whether or not the caller may see it. */
  const describeAll = (): Described[] => {
    const out: Described[] = [];
    const base = { skyjoin_version: skyjoinVersion() };
    for (const b of BUILTIN_STREAMS) {
      out.push({
        name: b.name, kind: 'builtin', title: b.title, owner: 'skyjoin', author: 'skyjoin broker', description: b.description, public: true,
        createdAt: null, updatedAt: null, provenance: b.name === 'annotated' ? { ...base, catalogs: catalogsProvenance() } : base,
      });
    }
    for (const w of ctx.watchlists.list()) {
      out.push({
        name: `watchlist-${w.id}`, kind: 'watchlist', title: `Watch list ${w.name}`, owner: w.owner, author: keyName(w.owner),
        description: w.description ?? `Hits of watch list '${w.name}' (${w.targets} targets, ${w.regions.length} regions)`, public: false,
        createdAt: w.createdAt, updatedAt: w.updatedAt, provenance: { ...base, watchlist: { id: w.id, name: w.name, targets: w.targets, regions: w.regions.length, default_radius_arcsec: w.defaultRadiusArcsec } },
      });
    }
    for (const f of ctx.filters.list()) {
      out.push({
        name: `filter-${f.id}`, kind: 'filter', title: f.name, owner: f.owner, author: keyName(f.owner),
        description: f.description ?? `Alerts passing filter '${f.name}'`, public: f.public, createdAt: f.createdAt, updatedAt: f.updatedAt,
        provenance: { ...base, filter: { id: f.id, expression: f.expression, version: f.version, status: f.status, language: 'CEL' }, catalogs: catalogsProvenance() },
      });
    }
    return out;
  };

  const describe = (name: string): Described | undefined => {
    const b = BUILTIN_STREAMS.find((s) => s.name === name);
    if (b) return describeAll().find((d) => d.name === name);
    const m = /^(watchlist|filter)-(.+)$/.exec(name);
    if (!m) return undefined;
    if (m[1] === 'watchlist' && !ctx.watchlists.get(m[2])) return undefined;
    if (m[1] === 'filter' && !ctx.filters.get(m[2])) return undefined;
    return describeAll().find((d) => d.name === name);
  };

  const visible = (req: FastifyRequest, d: Described): boolean => d.public || d.owner === req.apiKey?.id;

  /** A stream the caller may read; 404 otherwise (a private stream of another key does not exist for it). */
  const readable = (req: FastifyRequest, name: string): Described => {
    ctx.env.resetReadTxn();
    const d = describe(name);
    if (!d || !visible(req, d)) throw new StreamNotFound(clip(name));
    return d;
  };

  const view = (d: Described, withSchema: boolean): Record<string, unknown> => {
    const meta = ctx.streams.metaOf(d.name);
    const rt = ctx.streams.runtimeOf(d.name);
    const file = schemaFileOf(d.name);
    return {
      name: d.name, kind: d.kind, title: meta?.title ?? d.title, owner: d.owner, author: d.author, description: meta?.description ?? d.description, public: d.public,
      protocol: rt?.protocol ?? null, address: rt?.address ?? null, schema_file: file, ...(withSchema ? { avro_schema: avroSchema(file) } : {}),
      created_at: d.createdAt ?? rt?.firstAt ?? null, updated_at: [d.updatedAt, meta?.updatedAt, rt?.lastAt].filter((x): x is string => !!x).sort().at(-1) ?? null,
      messages: d.kind === 'filter' ? filterCounts(d.name.slice(7)) : ctx.streams.messageCounts(d.name), provenance: d.provenance,
    };
  };

  /** A filter's counts are its recorded matches (each once, replays excluded). */
  const filterCounts = (id: string) => {
    const c = ctx.filters.countMatches(id, `${new Date().toISOString().slice(0, 10)}T00:00:00.000Z`);
    return { today: c.since, total: c.total };
  };

  const nameParam = { type: 'object', properties: { name: { type: 'string', description: 'Stream name' } }, required: ['name'] } as const;
  const tags = ['streams'];

  app.get('/v1/streams', {
    config: { access: 'read' },
    schema: {
      tags, summary: 'Every stream the broker publishes that the caller may read',
      description: "The built-in streams, the caller's watch lists' streams, and the filters' streams that are public or the caller's.",
      response: { 200: { type: 'object', properties: { streams: { type: 'array', items: { $ref: 'Stream#' } } } }, ...errorResponses },
    },
  }, async (req) => {
    ctx.env.resetReadTxn();
    return { streams: describeAll().filter((d) => visible(req, d)).map((d) => view(d, false)) };
  });

  app.get<{ Params: { name: string } }>('/v1/streams/:name', {
    config: { access: 'read' },
    schema: {
      tags, summary: 'A stream: title, owner, description, provenance, address, Avro schema, counts', params: nameParam,
      description: "As in GET /v1/streams, with the Avro schema of its records. A private stream (a watch list's, a private filter's) answers 404 to other keys.",
      response: { 200: { type: 'object', properties: { ...streamSchema.properties, avro_schema: { type: 'object', additionalProperties: true, description: 'The Avro schema of its records' } } }, ...errorResponses },
    },
  }, async (req) => view(readable(req, req.params.name), true));

  app.patch<{ Params: { name: string }; Body: { title?: string; description?: string } }>('/v1/streams/:name', {
    config: { access: 'key' },
    schema: {
      tags, summary: "Change a stream's title or description (its owner only)", params: nameParam, security: [{ bearer: [] }],
      description: 'Filters and watch lists are created and deleted through their own routes; the built-in streams belong to the broker.',
      body: { type: 'object', additionalProperties: false, minProperties: 1, examples: [{ title: 'Young risers near galaxies', description: 'ZTF alerts rising faster than 0.5 mag/day in g within 10" of a galaxy' }], properties: { title: { type: 'string', minLength: 1, maxLength: 200 }, description: { type: 'string', maxLength: 4000 } } },
      response: { 200: { $ref: 'Stream#' }, ...errorResponses },
    },
  }, async (req) => {
    if (!req.apiKey) throw new Unauthorized('changing a stream needs its owner\'s API key: Authorization: Bearer <key>');
    const d = readable(req, req.params.name);
    if (d.owner !== req.apiKey.id) throw new Forbidden(`stream '${d.name}' belongs to ${d.kind === 'builtin' ? 'the broker' : 'another key'}; only its owner can change it`);
    await ctx.streams.setMeta(d.name, { title: req.body.title, description: req.body.description });
    return view(d, false);
  });

  const messageSchema = { type: 'object', properties: { cursor: { type: 'string', description: 'Give it as after= to read on from this message' }, key: { type: 'string' }, value: { type: 'object', additionalProperties: true } } } as const;

  app.get<{ Params: { name: string }; Querystring: { after?: string; limit: number } }>('/v1/streams/:name/messages', {
    config: { access: 'read' },
    schema: {
      tags, summary: "A stream's messages in order, after a cursor", params: nameParam,
      description: "Without after: from the first message. `next` is the cursor to ask with next time (the last message's, or the one given when there was none). Private streams need the owner's key. Served for filter and watch-list streams (from the broker's store) and for built-in streams written to files; a built-in stream published on Kafka answers 409 with its topic.",
      querystring: { type: 'object', additionalProperties: false, properties: { after: { type: 'string', maxLength: 500, description: 'Cursor of the last message already read' }, limit: { type: 'integer', minimum: 1, maximum: 10000, default: 100 } } },
      response: { 200: { type: 'object', properties: { stream: { type: 'string' }, messages: { type: 'array', items: messageSchema }, next: { type: ['string', 'null'] } } }, ...errorResponses },
    },
  }, async (req) => {
    const d = readable(req, req.params.name);
    const msgs = messageSource(ctx, d.name).after(req.query.after ?? null, req.query.limit);
    return { stream: d.name, messages: msgs, next: msgs.at(-1)?.cursor ?? req.query.after ?? null };
  });

  app.get<{ Params: { name: string }; Querystring: { after?: string } }>('/v1/streams/:name/events', {
    config: { access: 'read' },
    schema: {
      tags, summary: 'Live tail of a stream (Server-Sent Events), resumable with Last-Event-ID', params: nameParam,
      description: "text/event-stream: one `message` event per stream message, its id the message's cursor and its data {key, value}. Starts after the Last-Event-ID header (what EventSource sends on reconnecting) or ?after=; without either, from now on. A comment line every 15 s keeps the connection open; `event: end` when the stream is deleted.",
      querystring: { type: 'object', additionalProperties: false, properties: { after: { type: 'string', maxLength: 500, description: 'Cursor to start after (Last-Event-ID wins)' } } },
      response: { 200: { type: 'string', description: 'text/event-stream' }, ...errorResponses },
    },
  }, async (req, reply) => {
    const d = readable(req, req.params.name);
    const source = messageSource(ctx, d.name);
    const last = req.headers['last-event-id'];
    let cursor = (typeof last === 'string' && last !== '' ? last : req.query.after) ?? source.end();
    // A bad cursor answers 400 before the event stream starts.
    source.after(cursor, 1);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 1000\n\n');
    let closed = false;
    req.raw.on('close', () => { closed = true; });
    const poll = SSE_POLL_MS;
    let lastWrite = Date.now();
    const send = (m: StreamMessage) => res.write(`id: ${m.cursor}\nevent: message\ndata: ${JSON.stringify({ key: m.key, value: m.value })}\n\n`);
    while (!closed && !closing) {
      ctx.env.resetReadTxn();
      if (!describe(d.name)) {
        res.write('event: end\ndata: {"reason":"the stream was deleted"}\n\n');
        break;
      }
      let msgs: StreamMessage[];
      try {
        msgs = source.after(cursor, 500);
      } catch {
        break;
      }
      for (const m of msgs) send(m);
      if (msgs.length) {
        cursor = msgs[msgs.length - 1].cursor;
        lastWrite = Date.now();
        if (msgs.length === 500) continue;
      } else if (Date.now() - lastWrite > 15_000) {
        res.write(': keep-alive\n\n');
        lastWrite = Date.now();
      }
      await new Promise((r) => setTimeout(r, poll));
    }
    res.end();
  });
}
