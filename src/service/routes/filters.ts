// Users' filters: /v1/filters ... A filter belongs to the API key that created
// it; a private one is invisible to other keys (404), a public one readable by
// all. Writing (create, update, pause, resume, delete) is the owner's alone.
// The alert stream applies a filter from its next batch; its matches are the
// stream filter-ID (GET /v1/streams/filter-ID).

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ALERT_FIELDS, ANNOTATION_FIELDS, FEATURE_FIELDS, OBJECT_FIELDS, WATCH_FIELDS, type FieldDoc } from '../../filters/fields.js';
import { compileFilter, FilterLanguageError, type CompiledExpression } from '../../filters/language.js';
import type { FilterRecord } from '../../filters/store.js';
import { nightOfMjd } from '../../stream/decoding/alert.js';
import { clip } from '../../messages/quote.js';
import type { ServiceContext } from '../context.js';
import { BadExpression, BadRequest, FilterNotFound, Unauthorized } from '../errors.js';
import { archivedNights, runTrial, type TrialRange } from '../filter-trial.js';
import { errorResponses } from '../schemas.js';

const filterSchema = {
  $id: 'Filter',
  type: 'object',
  properties: {
    id: { type: 'string', description: 'Filter id' },
    name: { type: 'string' },
    description: { type: 'string' },
    expression: { type: 'string', description: 'CEL expression over alert, object, features, annotations, watch (GET /v1/filters/fields)' },
    public: { type: 'boolean', description: 'Readable (and its stream too) by every key' },
    owner: { type: 'string', description: 'Id of the API key that owns it' },
    version: { type: 'integer', description: '1 at creation, +1 for each new expression' },
    status: { type: 'string', enum: ['active', 'paused'] },
    paused_reason: { type: 'string', description: 'Why it is paused: the owner asked, or repeated failures (the last one named)' },
    paused_at: { type: 'string' },
    failures: { type: 'integer', description: 'Failures (errors, budget overruns) of this version since it started or was resumed' },
    last_error: { type: 'string' },
    last_error_at: { type: 'string' },
    stream: { type: 'string', description: 'Its output stream: filter-ID (Kafka topic, or OUT/filter-ID.jsonl)' },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
  },
} as const;

function out(f: FilterRecord): Record<string, unknown> {
  return {
    id: f.id, name: f.name, description: f.description, expression: f.expression, public: f.public, owner: f.owner, version: f.version,
    status: f.status, paused_reason: f.pausedReason, paused_at: f.pausedAt, failures: f.failures, last_error: f.lastError, last_error_at: f.lastErrorAt,
    stream: `filter-${f.id}`, created_at: f.createdAt, updated_at: f.updatedAt,
  };
}

function keyOf(req: FastifyRequest): string {
  const k = req.apiKey;
  if (!k) throw new Unauthorized('filters need an API key: Authorization: Bearer <key> (create one with `skyjoin keys create NAME`)');
  return k.id;
}

const CATALOG_REF = /\bannotations\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*(?:"([^"]*)"|'([^']*)')\s*\])/g;

/** Compiles, or throws a 400 naming the problem; catalogs named under annotations must be served. */
function compileOrRefuse(expression: string, catalogs: ServiceContext['catalogs']): CompiledExpression {
  let fn: CompiledExpression;
  try {
    fn = compileFilter(expression);
  } catch (err) {
    if (err instanceof FilterLanguageError) throw new BadExpression(err.problem, clip(err.message, 400));
    throw err;
  }
  for (const m of expression.matchAll(CATALOG_REF)) {
    const name = m[1] ?? m[2] ?? m[3];
    if (!catalogs.has(name)) throw new BadExpression('unknown-catalog', `annotations.${clip(name)}: no catalog of that name annotates alerts here (catalogs: ${[...catalogs.keys()].join(', ') || 'none'})`);
  }
  return fn;
}

function fieldRows(prefix: string, fields: FieldDoc[]) {
  return fields.map((f) => ({ name: `${prefix}.${f.name}`, type: f.type, unit: f.unit, description: f.doc }));
}

/** MJD from a number or an ISO 8601 time. */
function mjdOf(v: string | number, field: string): number {
  if (typeof v === 'number' || /^\d+(\.\d*)?$/.test(v)) return Number(v);
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new BadRequest(`${field} must be an MJD or an ISO 8601 time, got '${clip(v)}'`);
  return t / 86400000 + 40587;
}

export function filterRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const store = ctx.filters;
  app.addSchema(filterSchema);
  /** A filter the caller may read: its own, or a public one; 404 otherwise. */
  const readable = (req: FastifyRequest, id: string): FilterRecord => {
    const f = store.get(id);
    if (!f || (!f.public && f.owner !== req.apiKey?.id)) throw new FilterNotFound(clip(id));
    return f;
  };
  /** A filter the caller owns; 404 for every other (a public one of another key included: it cannot be changed). */
  const mine = (req: FastifyRequest, id: string): FilterRecord => {
    const owner = keyOf(req);
    const f = store.get(id);
    if (!f || f.owner !== owner) throw new FilterNotFound(clip(id));
    return f;
  };
  const idParam = { type: 'object', properties: { id: { type: 'string', description: 'Filter id' } }, required: ['id'] } as const;
  const security = [{ bearer: [] }];
  const tags = ['filters'];
  const exampleExpression = 'object.n_detections <= 5.0 && features.rise_rate_g > 0.5 && annotations.openngc.matched && annotations.openngc.sep_arcsec < 10.0 && !annotations.gcvs.matched';

  app.post<{ Body: { name: string; description?: string; expression: string; public?: boolean } }>('/v1/filters', {
    config: { access: 'key' },
    schema: {
      tags, summary: 'Create a filter', security,
      description: 'The expression (CEL) is checked now: a syntax or type error, an unknown field or catalog, and anything that could reach outside or cost without bound are refused with a 400 naming the problem (code SKY_BAD_EXPRESSION). The stream applies the filter from its next batch; its matches go to the stream filter-ID.',
      body: {
        type: 'object', additionalProperties: false, required: ['name', 'expression'],
        examples: [{ name: 'young risers near galaxies', expression: exampleExpression, public: false }],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 200, description: 'A name for people' },
          description: { type: 'string', maxLength: 2000 },
          expression: { type: 'string', minLength: 1, maxLength: 4000, description: 'CEL expression giving a bool' },
          public: { type: 'boolean', default: false, description: 'Readable by every key (default: only by its owner)' },
        },
      },
      response: { 201: { $ref: 'Filter#' }, ...errorResponses },
    },
  }, async (req, reply) => {
    const owner = keyOf(req);
    const b = req.body;
    compileOrRefuse(b.expression, ctx.catalogs);
    const f = await store.create(owner, { name: b.name, description: b.description, expression: b.expression, public: b.public });
    reply.code(201);
    return out(f);
  });

  app.get('/v1/filters', {
    config: { access: 'read' },
    schema: {
      tags, summary: "The caller's filters and every public one",
      description: 'Without a key: the public filters only.',
      response: { 200: { type: 'object', properties: { filters: { type: 'array', items: { $ref: 'Filter#' } } } }, ...errorResponses },
    },
  }, async (req) => ({ filters: store.visibleTo(req.apiKey?.id ?? null).map(out) }));

  app.get('/v1/filters/fields', {
    config: { access: 'open' },
    schema: {
      tags, summary: 'Every field an expression can read, with its type and unit',
      description: 'annotations.CATALOG.* exists for every catalog that annotates alerts (GET /v1/catalogs). Numbers are doubles; a value the survey does not give is NaN (every comparison with it is false).',
      response: {
        200: {
          type: 'object',
          properties: {
            fields: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, type: { type: 'string' }, unit: { type: 'string' }, description: { type: 'string' } } } },
            catalogs: { type: 'array', items: { type: 'string' } },
          },
        },
      },
    },
  }, async () => ({
    fields: [...fieldRows('alert', ALERT_FIELDS), ...fieldRows('object', OBJECT_FIELDS), ...fieldRows('features', FEATURE_FIELDS), ...fieldRows('annotations.CATALOG', ANNOTATION_FIELDS), ...fieldRows('watch', WATCH_FIELDS)],
    catalogs: [...ctx.catalogs.keys()],
  }));

  app.post<{ Body: { expression: string; night?: string; from?: string | number; to?: string | number; limit: number } }>('/v1/filters/test', {
    config: { access: 'key' },
    schema: {
      tags, summary: 'Try an expression on stored alerts, saving nothing', security,
      description: "Runs the expression over the alerts the stream archived for the last night (default), a given night, or a time range (from/to: MJD or ISO 8601), with the same features, annotations and the caller's watch-list hits the stream gives a filter. Returns the matches and how long each step took.",
      body: {
        type: 'object', additionalProperties: false, required: ['expression'],
        examples: [{ expression: 'alert.drb > 0.9 && features.rise_rate_r > 0.1', night: '20231012' }],
        properties: {
          expression: { type: 'string', minLength: 1, maxLength: 4000 },
          night: { type: 'string', pattern: '^\\d{8}$', description: 'UTC night YYYYMMDD (default: the last archived night)' },
          from: { anyOf: [{ type: 'number' }, { type: 'string' }], description: 'Start time: MJD or ISO 8601' },
          to: { anyOf: [{ type: 'number' }, { type: 'string' }], description: 'End time: MJD or ISO 8601' },
          limit: { type: 'integer', minimum: 0, maximum: 10000, default: 1000, description: 'Matches returned at most (all are counted)' },
        },
      },
      response: {
        200: {
          type: 'object',
          properties: {
            range: { type: 'object', properties: { nights: { type: 'array', items: { type: 'string' } }, from_mjd: { type: ['number', 'null'] }, to_mjd: { type: ['number', 'null'] } } },
            alerts: { type: 'integer', description: 'Alerts evaluated' },
            truncated: { type: 'boolean', description: 'More alerts were in the range than a trial reads' },
            matched: { type: 'integer' },
            matches: { type: 'array', items: { type: 'object', additionalProperties: true } },
            errors: { type: 'integer' },
            first_error: { type: ['string', 'null'] },
            over_budget: { type: 'boolean' },
            timing_ms: { type: 'object', properties: { read: { type: 'number' }, features: { type: 'number' }, evaluate: { type: 'number' }, total: { type: 'number' } } },
            evaluations_per_second: { type: ['number', 'null'] },
          },
        },
        ...errorResponses,
      },
    },
  }, async (req) => {
    const owner = keyOf(req);
    const b = req.body;
    const fn = compileOrRefuse(b.expression, ctx.catalogs);
    if (b.night && (b.from !== undefined || b.to !== undefined)) throw new BadRequest("give either 'night' or 'from'/'to', not both");
    let range: TrialRange;
    if (b.from !== undefined || b.to !== undefined) {
      const from = b.from === undefined ? -Infinity : mjdOf(b.from, 'from');
      const to = b.to === undefined ? Infinity : mjdOf(b.to, 'to');
      if (!(from <= to)) throw new BadRequest(`'from' must not be after 'to'`);
      const all = archivedNights(ctx.objects);
      const lo = Number.isFinite(from) ? nightOfMjd(from - 1) : '', hi = Number.isFinite(to) ? nightOfMjd(to + 1) : '99999999';
      range = { nights: all.filter((n) => n >= lo && n <= hi), fromMjd: from, toMjd: to };
    } else {
      const night = b.night ?? archivedNights(ctx.objects).at(-1);
      range = { nights: night ? [night] : [], fromMjd: -Infinity, toMjd: Infinity };
    }
    return runTrial(ctx, owner, fn, range, b.limit);
  });

  app.get<{ Params: { id: string } }>('/v1/filters/:id', {
    config: { access: 'read' },
    schema: {
      tags, summary: 'A filter, its status and its versions', params: idParam,
      description: "Private filters are visible only to their owner's key (others get 404). A filter paused after repeated failures says why in paused_reason.",
      response: {
        200: {
          type: 'object',
          properties: {
            ...filterSchema.properties,
            versions: { type: 'array', items: { type: 'object', properties: { version: { type: 'integer' }, expression: { type: 'string' }, created_at: { type: 'string' } } } },
          },
        },
        ...errorResponses,
      },
    },
  }, async (req) => {
    const f = readable(req, req.params.id);
    return { ...out(f), versions: store.versionsOf(f.id).map((v) => ({ version: v.version, expression: v.expression, created_at: v.createdAt })) };
  });

  app.patch<{ Params: { id: string }; Body: { name?: string; description?: string; expression?: string; public?: boolean } }>('/v1/filters/:id', {
    config: { access: 'key' },
    schema: {
      tags, summary: 'Change a filter: a new expression is a new version', security, params: idParam,
      description: 'Only the fields sent change. A new expression is checked as at creation, becomes version N+1 (the stream uses it from its next batch) and starts with no failures.',
      body: {
        type: 'object', additionalProperties: false, minProperties: 1,
        examples: [{ expression: 'alert.drb > 0.8 && features.rise_rate_g > 0.3' }],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 200 }, description: { type: 'string', maxLength: 2000 },
          expression: { type: 'string', minLength: 1, maxLength: 4000 }, public: { type: 'boolean' },
        },
      },
      response: { 200: { $ref: 'Filter#' }, ...errorResponses },
    },
  }, async (req) => {
    const f = mine(req, req.params.id);
    const b = req.body;
    if (b.expression !== undefined) compileOrRefuse(b.expression, ctx.catalogs);
    const u = await store.update(f.id, { name: b.name, description: b.description, expression: b.expression, public: b.public });
    if (!u) throw new FilterNotFound(clip(f.id));
    return out(u);
  });

  app.post<{ Params: { id: string }; Body: { reason?: string } }>('/v1/filters/:id/pause', {
    config: { access: 'key' },
    schema: {
      tags, summary: 'Pause a filter', security, params: idParam,
      description: 'The stream stops applying it from its next batch; GET shows status paused and the reason.',
      body: { type: 'object', additionalProperties: false, examples: [{ reason: 'observing run over' }], properties: { reason: { type: 'string', maxLength: 500, description: 'Why (shown in paused_reason)' } } },
      response: { 200: { $ref: 'Filter#' }, ...errorResponses },
    },
  }, async (req) => {
    const f = mine(req, req.params.id);
    const u = await store.pause(f.id, req.body?.reason ? `paused by its owner: ${req.body.reason}` : 'paused by its owner');
    if (!u) throw new FilterNotFound(clip(f.id));
    return out(u);
  });

  app.post<{ Params: { id: string } }>('/v1/filters/:id/resume', {
    config: { access: 'key' },
    schema: {
      tags, summary: 'Resume a filter', security, params: idParam,
      description: 'Active again from the stream\'s next batch, its failure count back to 0 (also after a pause for repeated failures).',
      body: { type: 'object', additionalProperties: false, examples: [{}], properties: {} },
      response: { 200: { $ref: 'Filter#' }, ...errorResponses },
    },
  }, async (req) => {
    const f = mine(req, req.params.id);
    const u = await store.resume(f.id);
    if (!u) throw new FilterNotFound(clip(f.id));
    return out(u);
  });

  app.delete<{ Params: { id: string } }>('/v1/filters/:id', {
    config: { access: 'key' },
    schema: {
      tags, summary: 'Delete a filter and its recorded matches', security, params: idParam,
      description: 'The stream stops applying it from its next batch; its stream leaves the registry.',
      response: { 204: { type: 'null', description: 'Deleted' }, ...errorResponses },
    },
  }, async (req, reply) => {
    const f = mine(req, req.params.id);
    await store.remove(f.id);
    await ctx.streams.forget(`filter-${f.id}`);
    return reply.code(204).send();
  });
}
