// Watch lists: /v1/watchlists ... Every route needs an API key; a watch list
// is visible only to the key that created it (others get 404).

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServiceContext } from '../context.js';
import { BadCursor, TargetNotFound, TooManySources, TooManyTargets, Unauthorized, WatchlistNotFound } from '../errors.js';
import { parseJsonRows } from '../sources-parse.js';
import { MAX_TARGET_RADIUS_ARCSEC, MIN_TARGET_RADIUS_ARCSEC, type Watchlist, type WatchRegion } from '../../watch/store.js';
import { clip } from '../../messages/quote.js';
import { hitFields, hitFieldsSchema } from '../../watch/hit-fields.js';
import { decProp, docsOnly, errorResponses, positionsBody, raProp } from '../schemas.js';
import { linksOf } from './objects.js';
import { sourcesFromBody } from './sources.js';

const radiusTarget = {
  type: 'number', minimum: MIN_TARGET_RADIUS_ARCSEC, maximum: MAX_TARGET_RADIUS_ARCSEC,
  description: `Match radius of a target, arcsec, in [${MIN_TARGET_RADIUS_ARCSEC}, ${MAX_TARGET_RADIUS_ARCSEC}]`,
} as const;

const regionSchema = {
  oneOf: [
    {
      type: 'object', additionalProperties: false, required: ['kind', 'name', 'ra', 'dec', 'radius_arcsec'],
      properties: { kind: { const: 'circle' }, name: { type: 'string', minLength: 1, maxLength: 200 }, ra: raProp, dec: decProp, radius_arcsec: { type: 'number', exclusiveMinimum: 0, maximum: 648000, description: 'Circle radius, arcsec' } },
    },
    {
      type: 'object', additionalProperties: false, required: ['kind', 'name', 'order', 'ranges'],
      properties: {
        kind: { const: 'moc' }, name: { type: 'string', minLength: 1, maxLength: 200 },
        order: { type: 'integer', minimum: 0, maximum: 24, description: 'HEALPix order of the ranges' },
        ranges: { type: 'array', maxItems: 100000, description: 'NESTED pixel ranges [first, last], inclusive', items: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'integer', minimum: 0 } } },
      },
    },
  ],
} as const;

const watchlistSchema = {
  $id: 'Watchlist',
  type: 'object',
  properties: {
    id: { type: 'string', description: 'Watch list id' },
    name: { type: 'string' },
    description: { type: 'string' },
    default_radius_arcsec: { type: 'number', description: 'Radius of targets given without one, arcsec' },
    targets: { type: 'integer', description: 'Number of targets' },
    regions: { type: 'array', items: { type: 'object', additionalProperties: true } },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
  },
} as const;

function out(w: Watchlist): Record<string, unknown> {
  return {
    id: w.id, name: w.name, description: w.description, default_radius_arcsec: w.defaultRadiusArcsec, targets: w.targets,
    regions: w.regions.map((r) => (r.kind === 'circle' ? { kind: r.kind, name: r.name, ra: r.ra, dec: r.dec, radius_arcsec: r.radiusArcsec } : r)),
    created_at: w.createdAt, updated_at: w.updatedAt,
  };
}

type RegionIn = { kind: 'circle'; name: string; ra: number; dec: number; radius_arcsec: number } | { kind: 'moc'; name: string; order: number; ranges: Array<[number, number]> };

function regionsIn(rs: RegionIn[] | undefined): WatchRegion[] | undefined {
  return rs?.map((r) => (r.kind === 'circle' ? { kind: 'circle', name: r.name, ra: r.ra, dec: r.dec, radiusArcsec: r.radius_arcsec } : r));
}

function keyOf(req: FastifyRequest): string {
  const k = (req as FastifyRequest & { apiKey?: { id: string } | null }).apiKey;
  if (!k) throw new Unauthorized('watch lists need an API key: Authorization: Bearer <key> (create one with `skyjoin keys create NAME`)');
  return k.id;
}

export function watchlistRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const store = ctx.watchlists;
  app.addSchema(watchlistSchema);
  const mine = (req: FastifyRequest, id: string): Watchlist => {
    const owner = keyOf(req);
    const w = store.get(id);
    if (!w || w.owner !== owner) throw new WatchlistNotFound(clip(id));
    return w;
  };
  const idParam = { type: 'object', properties: { id: { type: 'string', description: 'Watch list id' } }, required: ['id'] } as const;
  const security = [{ bearer: [] }];

  app.post<{ Body: { name: string; description?: string; default_radius_arcsec: number; targets?: unknown[]; regions?: RegionIn[] } }>('/v1/watchlists', {
    config: { access: 'key' },
    schema: {
      tags: ['watchlists'], summary: 'Create a watch list (optionally with its first targets and regions)', security,
      description: 'The list belongs to the API key that creates it. The alert stream checks every alert against it from its next batch on; hits are read with GET /v1/watchlists/{id}/hits.',
      body: {
        type: 'object', additionalProperties: false, required: ['name'],
        examples: [{ name: 'nearby SNe', default_radius_arcsec: 2, targets: [{ name: 'SN 2023ixf', ra: 210.910674, dec: 54.311655 }], regions: [{ kind: 'circle', name: 'M31', ra: 10.6847, dec: 41.269, radius_arcsec: 3600 }] }],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 200, description: 'A name for people' },
          description: { type: 'string', maxLength: 2000 },
          default_radius_arcsec: { ...radiusTarget, default: 2, description: 'Radius of targets given without one, arcsec' },
          targets: { type: 'array', description: 'Targets [{name, ra, dec[, radius_arcsec]}] (more can be added later)' },
          regions: { type: 'array', maxItems: 1000, items: regionSchema, description: 'Watch areas: circles or HEALPix MOCs' },
        },
      },
      response: { 201: { $ref: 'Watchlist#' }, ...errorResponses },
    },
  }, async (req, reply) => {
    const owner = keyOf(req);
    const b = req.body;
    const w = await store.create(owner, { name: b.name, description: b.description, defaultRadiusArcsec: b.default_radius_arcsec, regions: regionsIn(b.regions) });
    if (b.targets) {
      const list = sourcesFromJsonTargets(b.targets, ctx.config.limits.maxTargetsPerRequest);
      await store.upsertTargets(w.id, list);
    }
    reply.code(201);
    return out(store.get(w.id)!);
  });

  app.get('/v1/watchlists', {
    config: { access: 'key' },
    schema: {
      tags: ['watchlists'], summary: "This key's watch lists", security,
      description: 'Every watch list of the calling API key (target counts, regions), without the targets themselves.',
      response: { 200: { type: 'object', properties: { watchlists: { type: 'array', items: { $ref: 'Watchlist#' } } } }, ...errorResponses },
    },
  }, async (req) => ({ watchlists: store.list(keyOf(req)).map(out) }));

  app.get<{ Params: { id: string }; Querystring: { offset: number; limit: number } }>('/v1/watchlists/:id', {
    config: { access: 'key' },
    schema: {
      tags: ['watchlists'], summary: 'A watch list and a page of its targets', security, params: idParam,
      description: 'The watch list (as in GET /v1/watchlists) and targets offset..offset+limit in name order.',
      querystring: { type: 'object', additionalProperties: false, properties: { offset: { type: 'integer', minimum: 0, default: 0, description: 'Targets to skip' }, limit: { type: 'integer', minimum: 0, maximum: 100000, default: 1000, description: 'Targets to return' } } },
      response: {
        200: {
          type: 'object',
          properties: {
            ...watchlistSchema.properties,
            target_list: {
              type: 'array', description: 'This page of targets',
              items: { type: 'object', properties: { name: { type: 'string' }, ra: { type: 'number' }, dec: { type: 'number' }, radius_arcsec: { type: 'number' } } },
            },
          },
        },
        ...errorResponses,
      },
    },
  }, async (req) => {
    const w = mine(req, req.params.id);
    return { ...out(w), target_list: store.targets(w.id, req.query.offset, req.query.limit).map((t) => ({ name: t.name, ra: t.ra, dec: t.dec, radius_arcsec: t.radiusArcsec })) };
  });

  app.patch<{ Params: { id: string }; Body: { name?: string; description?: string; default_radius_arcsec?: number; regions?: RegionIn[] } }>('/v1/watchlists/:id', {
    config: { access: 'key' },
    schema: {
      tags: ['watchlists'], summary: "Change a watch list's name, description, default radius or regions", security, params: idParam,
      description: 'Only the fields sent change; `regions` replaces the list of regions. Targets are changed with POST and DELETE on /targets.',
      body: {
        type: 'object', additionalProperties: false, minProperties: 1,
        examples: [{ description: 'type II candidates within 20 Mpc', default_radius_arcsec: 1.5 }],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 200 }, description: { type: 'string', maxLength: 2000 },
          default_radius_arcsec: radiusTarget, regions: { type: 'array', maxItems: 1000, items: regionSchema },
        },
      },
      response: { 200: { $ref: 'Watchlist#' }, ...errorResponses },
    },
  }, async (req) => {
    const w = mine(req, req.params.id);
    const b = req.body;
    return out((await store.update(w.id, { name: b.name, description: b.description, defaultRadiusArcsec: b.default_radius_arcsec, regions: regionsIn(b.regions) }))!);
  });

  app.delete<{ Params: { id: string } }>('/v1/watchlists/:id', {
    config: { access: 'key' },
    schema: {
      tags: ['watchlists'], summary: 'Delete a watch list, its targets and hits', security, params: idParam,
      description: 'Deletes the list, its targets and its recorded hits; the stream stops checking it from its next batch on.',
      response: { 204: { type: 'null', description: 'Deleted' }, ...errorResponses },
    },
  }, async (req, reply) => {
    const w = mine(req, req.params.id);
    await store.remove(w.id);
    await ctx.streams.forget(`watchlist-${w.id}`);
    return reply.code(204).send();
  });

  app.post<{ Params: { id: string } }>('/v1/watchlists/:id/targets', {
    config: { access: 'key', ...docsOnly({ body: positionsBody('targets', 'name', [{ name: 'SN 2023ixf', ra: 210.910674, dec: 54.311655, radius_arcsec: 1.5 }, { name: 'AT 2024abc', ra: 150.1, dec: 2.2 }]) }) },
    schema: {
      tags: ['watchlists'], summary: 'Add or replace targets by name (JSON array or {targets: [...]}, or CSV with name,ra,dec[,radius_arcsec])', security, params: idParam,
      description: "A target whose name is already in the list is moved to the new position and radius; targets without radius_arcsec get the list's default radius.",
      response: { 200: { type: 'object', properties: { added: { type: 'integer' }, updated: { type: 'integer' }, targets: { type: 'integer' } } }, ...errorResponses },
    },
  }, async (req) => {
    const w = mine(req, req.params.id);
    const max = ctx.config.limits.maxTargetsPerRequest;
    const list = await sourcesFromBody(req, max, 'name', 'targets', { min: MIN_TARGET_RADIUS_ARCSEC, max: MAX_TARGET_RADIUS_ARCSEC });
    if (list.length > max) throw new TooManyTargets(max, list.length);
    const targets = Array.from({ length: list.length }, (_, i) => ({
      name: list.ids.get(i), ra: list.ra[i], dec: list.dec[i],
      radiusArcsec: list.radius && !Number.isNaN(list.radius[i]) ? list.radius[i] : undefined,
    }));
    const r = await store.upsertTargets(w.id, targets);
    return { ...r, targets: store.get(w.id)!.targets };
  });

  app.delete<{ Params: { id: string; name: string } }>('/v1/watchlists/:id/targets/:name', {
    config: { access: 'key' },
    schema: {
      tags: ['watchlists'], summary: 'Remove one target', security,
      description: 'Removes the target of that name; 404 when the list has none.',
      params: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string', description: 'Target name' } }, required: ['id', 'name'] },
      response: { 204: { type: 'null', description: 'Removed' }, ...errorResponses },
    },
  }, async (req, reply) => {
    const w = mine(req, req.params.id);
    if (!(await store.removeTarget(w.id, req.params.name))) throw new TargetNotFound(w.id, clip(req.params.name));
    return reply.code(204).send();
  });

  app.post<{ Params: { id: string } }>('/v1/watchlists/:id/check', {
    config: { access: 'key', ...docsOnly({ body: positionsBody('positions', 'id', [{ id: 'alert-1', ra: 210.910674, dec: 54.311655 }, { id: 'alert-2', ra: 10.7, dec: 41.3 }]) }) },
    schema: {
      tags: ['watchlists'], summary: 'Positions in, hits out: which targets (and regions) each position falls within', security, params: idParam,
      description: 'Body: {"positions": [{id, ra, dec}]} (or a bare array, CSV, or Arrow IPC). Exact spherical distance with each target\'s own radius.',
      response: {
        200: {
          type: 'object',
          properties: {
            hits: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  id: { type: 'string', description: 'Position id as sent' },
                  target: { type: 'string', description: 'Target name' },
                  sep_arcsec: { type: 'number', description: 'Separation, arcsec' },
                  target_radius_arcsec: { type: 'number' },
                },
              },
            },
            regions: {
              type: 'array',
              items: { type: 'object', properties: { id: { type: 'string' }, region: { type: 'string' } } },
            },
          },
        },
        ...errorResponses,
      },
    },
  }, async (req) => {
    const w = mine(req, req.params.id);
    const max = ctx.config.limits.maxCheckPositions;
    const list = await sourcesFromBody(req, max, 'id', 'positions');
    if (list.length > max) throw new TooManySources(max, list.length);
    const hits = store.check(w.id, list.ra, list.dec);
    const regions = store.checkRegions(w, list.ra, list.dec);
    return {
      hits: hits.map((h) => ({ id: list.ids.get(h.position), target: h.target, sep_arcsec: h.sepArcsec, target_radius_arcsec: h.targetRadiusArcsec })),
      regions: regions.map((r) => ({ id: list.ids.get(r.position), region: r.region })),
    };
  });

  app.get<{ Params: { id: string }; Querystring: { since?: string; cursor?: string; limit: number } }>('/v1/watchlists/:id/hits', {
    config: { access: 'key' },
    schema: {
      tags: ['watchlists'], summary: 'Hits recorded by the alert stream, oldest first', security, params: idParam,
      description: 'Every hit the stream recorded for this list (each alert and target once, whatever the replays), with the fields of the watchlist-ID output stream; paged by `cursor`.',
      querystring: {
        type: 'object', additionalProperties: false,
        properties: {
          since: { type: 'string', format: 'date-time', description: 'Only hits recorded at or after this time (ISO 8601)' },
          cursor: { type: 'string', description: 'The `next` value of the previous page' },
          limit: { type: 'integer', minimum: 1, maximum: 100000, default: 1000 },
        },
      },
      response: {
        200: {
          type: 'object', required: ['hits', 'next'],
          properties: {
            hits: { type: 'array', items: hitFieldsSchema },
            next: { type: 'string', nullable: true, description: 'Cursor of the next page (pass as ?cursor=), null on the last page' },
          },
        },
        ...errorResponses,
      },
    },
  }, async (req) => {
    const w = mine(req, req.params.id);
    const since = req.query.since ? new Date(req.query.since).toISOString() : '';
    let page;
    try {
      page = store.hitsSince(w.id, since, req.query.cursor, req.query.limit);
    } catch {
      throw new BadCursor();
    }
    const links = linksOf(ctx, req);
    return { hits: page.hits.map((h) => ({ ...hitFields(h), object_url: links.object(h.objectId), alert_url: links.alert(h.alertId) })), next: page.next };
  });
}

function sourcesFromJsonTargets(targets: unknown[], max: number): Array<{ name: string; ra: number; dec: number; radiusArcsec?: number }> {
  if (targets.length > max) throw new TooManyTargets(max, targets.length);
  const list = parseJsonRows(targets, { maxRows: max, what: 'targets', idField: 'name', minRadius: MIN_TARGET_RADIUS_ARCSEC, maxRadius: MAX_TARGET_RADIUS_ARCSEC });
  return Array.from({ length: list.length }, (_, i) => ({
    name: list.ids.get(i), ra: list.ra[i], dec: list.dec[i],
    radiusArcsec: list.radius && !Number.isNaN(list.radius[i]) ? list.radius[i] : undefined,
  }));
}

