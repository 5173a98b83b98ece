// GET /v1/catalogs, GET /v1/catalogs/{name}, GET /v1/catalogs/{name}/cone

import type { FastifyInstance } from 'fastify';
import type { ServedCatalog } from '../../catalog/set.js';
import type { CounterSeries } from '../../metrics/registry.js';
import { clip } from '../../messages/quote.js';
import { normalizeRa } from '../../sky/angles.js';
import { positionAngleDeg } from '../../sky/vector.js';
import type { ServiceContext } from '../context.js';
import { epochParam, epochProp } from '../epoch-param.js';
import { coneAtEpoch } from '../../match/motion-cone.js';
import { BadRequest, CatalogNotFound, ColumnNotFound, RadiusTooLarge } from '../errors.js';
import { catalogSchema, columnsProp, decProp, errorResponses, raProp, radiusProp } from '../schemas.js';

/** The catalog a request names; none named is fine only when one catalog is served. */
export function catalogOf(ctx: ServiceContext, name: string | undefined): ServedCatalog {
  if (name === undefined) {
    if (ctx.catalogs.size === 1) return [...ctx.catalogs.values()][0];
    throw new BadRequest(`querystring: 'catalog' is required when more than one catalog is served (one of: ${[...ctx.catalogs.keys()].join(', ')})`);
  }
  const c = ctx.catalogs.get(name);
  if (!c) throw new CatalogNotFound(clip(name));
  return c;
}

export function parseColumns(c: ServedCatalog, columns: string | undefined): string[] {
  if (!columns) return [];
  const names = columns.split(',').map((s) => s.trim()).filter(Boolean);
  const known = new Set(['id', 'ra', 'dec', ...c.catalog.columnNames()]);
  for (const n of names) if (!known.has(n)) throw new ColumnNotFound(c.name, clip(n));
  return [...new Set(names)];
}

export function describe(c: ServedCatalog): Record<string, unknown> {
  const i = c.catalog.info;
  return {
    name: c.name, title: c.title, kind: c.kind, rows: i.rows,
    columns: [{ name: 'id', type: i.idType }, { name: 'ra', type: 'float64' }, { name: 'dec', type: 'float64' }, ...i.columns],
    scheme: i.scheme, default_radius_arcsec: c.defaultRadiusArcsec, coverage: i.coverage, licence: c.licence,
    motion: i.motion ? {
      pm_ra: i.motion.pmRa, pm_dec: i.motion.pmDec, parallax: i.motion.parallax, rv: i.motion.rv,
      pm_unit: i.motion.pmUnit, parallax_unit: i.motion.parallaxUnit, ref_epoch: i.motion.refEpoch, epoch_column: i.motion.epochColumn,
    } : null,
  };
}

function jsonValue(v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

/** The matches-served series of each catalog for a route, kept so a request only adds to it. */
export function matchesServed(ctx: ServiceContext, route: string): (catalog: string) => CounterSeries {
  const byCatalog = new Map<string, CounterSeries>();
  return (catalog) => {
    let s = byCatalog.get(catalog);
    if (!s) byCatalog.set(catalog, (s = ctx.metrics.matches.series({ catalog, route })));
    return s;
  };
}

export function catalogRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const served = matchesServed(ctx, 'cone');
  app.get('/v1/catalogs', {
    config: { access: 'read' },
    schema: {
      tags: ['catalogs'], summary: 'The catalogs served',
      description: 'Every catalog this service serves, with its rows, columns (what ?columns= can ask for), index scheme, default match radius, sky coverage and licence.',
      response: { 200: { type: 'object', properties: { catalogs: { type: 'array', items: { $ref: 'Catalog#' } } } } },
    },
  }, async () => ({ catalogs: [...ctx.catalogs.values()].map(describe) }));

  app.get<{ Params: { name: string } }>('/v1/catalogs/:name', {
    config: { access: 'read' },
    schema: {
      tags: ['catalogs'], summary: 'One catalog: rows, columns, scheme, default radius, coverage',
      description: 'The description of one served catalog (as in GET /v1/catalogs); 404 when it is not served.',
      params: { type: 'object', properties: { name: { type: 'string', description: 'Catalog name', examples: ['bsc5'] } }, required: ['name'] },
      response: { 200: { $ref: 'Catalog#' }, ...errorResponses },
    },
  }, async (req) => describe(catalogOf(ctx, req.params.name)));

  app.get<{ Params: { name: string }; Querystring: { ra: number; dec: number; radius_arcsec?: number; limit: number; columns?: string; epoch?: string } }>('/v1/catalogs/:name/cone', {
    config: { access: 'read' },
    schema: {
      tags: ['catalogs'], summary: 'Rows within a radius of a position, nearest first',
      description: 'Exact spherical distance. Each row comes with its separation and position angle from the centre and the requested columns; at most `limit` rows (the nearest), `count` says how many lie within the radius.',
      params: { type: 'object', properties: { name: { type: 'string', description: 'Catalog name', examples: ['bsc5'] } }, required: ['name'] },
      querystring: {
        type: 'object', additionalProperties: false,
        properties: {
          ra: raProp, dec: decProp,
          radius_arcsec: { ...radiusProp, description: `${radiusProp.description}; default: the catalog's default radius` },
          limit: { type: 'integer', minimum: 1, default: 1000, description: 'Most rows returned (the nearest ones)' },
          columns: columnsProp,
          epoch: { ...epochProp, description: 'Epoch of the search (J2026.5, 2026.5, JD..., MJD...): rows are moved there by their proper motions; `ra`, `dec`, `sep_arcsec` and `pa_deg` of each row are then at that epoch. The catalog must carry proper motions.' },
        },
        required: ['ra', 'dec'],
      },
      response: {
        200: {
          type: 'object',
          properties: {
            catalog: { type: 'string' },
            ra: { type: 'number', description: 'Centre RA, degrees' },
            dec: { type: 'number', description: 'Centre Dec, degrees' },
            radius_arcsec: { type: 'number', description: 'Radius searched, arcsec' },
            epoch: { type: 'number', description: 'Epoch of the search (Julian year), when one was given' },
            count: { type: 'integer', description: 'Rows within the radius' },
            truncated: { type: 'boolean', description: 'Whether more rows lie within the radius than were returned' },
            rows: {
              type: 'array',
              items: {
                type: 'object', additionalProperties: true,
                properties: {
                  id: { type: 'string', description: 'Catalog id, as in the catalog' },
                  ra: { type: 'number', description: 'Row RA, degrees' },
                  dec: { type: 'number', description: 'Row Dec, degrees' },
                  sep_arcsec: { type: 'number', description: 'Separation from the centre, arcsec' },
                  pa_deg: { type: 'number', description: 'Position angle of the row seen from the centre, degrees east of north' },
                },
              },
            },
          },
        },
        ...errorResponses,
      },
    },
  }, async (req) => {
    const c = catalogOf(ctx, req.params.name);
    const q = req.query;
    const radius = q.radius_arcsec ?? c.defaultRadiusArcsec;
    if (radius > ctx.config.limits.maxRadiusArcsec) throw new RadiusTooLarge('radius_arcsec', ctx.config.limits.maxRadiusArcsec, radius);
    const limit = Math.min(q.limit, ctx.config.limits.maxConeRows);
    const cols = parseColumns(c, q.columns);
    const at = epochParam(c, q.epoch);
    const hits = at ? coneAtEpoch(c.catalog.index, at.motion, q.ra, q.dec, radius, at.year) : c.catalog.index.coneSorted(q.ra, q.dec, radius);
    const ra = normalizeRa(q.ra);
    const answer = {
      catalog: c.name, ra, dec: q.dec, radius_arcsec: radius, ...(at ? { epoch: at.year } : {}),
      count: hits.length, truncated: hits.length > limit, rows: [] as Array<Record<string, unknown>>,
    };
    if (hits.length === 0) return answer;
    const kept = hits.length > limit ? hits.slice(0, limit) : hits;
    const cat = c.catalog;
    const ids = cat.ids();
    const vectors = cols.map((n) => cat.column(n)!);
    const catRa = cat.ra, catDec = cat.dec; // getters that look the column up: once, not per row
    served(c.name).inc(kept.length);
    answer.rows = kept.map((h) => {
      // At an epoch, the row where it is then.
      const p = at ? at.motion.positionAt(h.row, at.year) : { raDeg: catRa[h.row], decDeg: catDec[h.row] };
      const o: Record<string, unknown> = {
        id: ids.get(h.row), ra: p.raDeg, dec: p.decDeg, sep_arcsec: h.sepArcsec,
        pa_deg: positionAngleDeg(ra, q.dec, p.raDeg, p.decDeg),
      };
      for (let k = 0; k < cols.length; k++) o[cols[k]] = jsonValue(vectors[k].get(h.row));
      return o;
    });
    return answer;
  });
}
