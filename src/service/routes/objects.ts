// Objects of the alert stream: GET /v1/objects/{id}, /v1/objects/{id}/lightcurve,
// GET /v1/objects?ra=&dec=&radius_arcsec= (cone) and ?alias= . Read from the
// stream's stores through src/objects/read-model.ts; reads follow the
// service's access.reads. Annotations are the served catalogs' rows near the
// object's mean position, found when asked (each catalog's default radius).
// POST /v1/objects/query waits for the filter language (another issue).

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Links } from '../../objects/links.js';
import { lightCurveArrow, lightCurveCsv } from '../../objects/lightcurve-formats.js';
import { flatLightCurve, lightCurveView, objectView } from '../../objects/views.js';
import { clip } from '../../messages/quote.js';
import { normalizeRa } from '../../sky/angles.js';
import { hitFields } from '../../watch/hit-fields.js';
import type { ServiceContext } from '../context.js';
import { BadRequest, ObjectNotFound, RadiusTooLarge } from '../errors.js';
import { decProp, errorResponses, raProp } from '../schemas.js';

/** The URLs of an answer: the configured public URL, else where the request came. */
export function linksOf(ctx: ServiceContext, req: FastifyRequest): Links {
  return ctx.links ?? new Links(`${req.protocol}://${req.host}`);
}

export const objectIdParam = {
  type: 'object', required: ['id'],
  properties: { id: { type: 'string', pattern: '^[0-9]{1,15}$', description: "skyjoin's object id (a decimal integer; see the aliases for survey ids)", examples: ['1'] } },
} as const;

const linkObject = { type: 'object', additionalProperties: true, description: 'Absolute URLs (from the public base URL)' } as const;
const nullableNumber = { type: 'number', nullable: true } as const;

const objectSchema = {
  $id: 'StreamObject',
  type: 'object',
  description: 'An object of the alert stream: every alert of the same source on the sky',
  properties: {
    object_id: { type: 'string', description: "skyjoin's object id" },
    ra: { type: 'number', description: 'Mean position of the detections, RA, degrees' },
    dec: { type: 'number', description: 'Mean position of the detections, Dec, degrees' },
    position: {
      type: 'object', description: 'Mean position, and the position of the latest detection',
      properties: {
        mean: { type: 'object', properties: { ra: { type: 'number' }, dec: { type: 'number' } } },
        latest: { type: 'object', nullable: true, properties: { ra: { type: 'number' }, dec: { type: 'number' }, mjd_tai: { type: 'number' }, alert_id: { type: 'string' } } },
      },
    },
    aliases: { type: 'array', items: { type: 'string' }, description: "Survey ids, '<survey>:<id>' (ztf:ZTF21abiuvdk)" },
    surveys: { type: 'array', items: { type: 'string' } },
    statistics: {
      type: 'object', additionalProperties: true,
      description: 'Counts of detections, forced photometry and upper limits; first and last detection (MJD TAI and UTC date); per band the count and magnitude range and mean',
    },
    latest_mag: { type: 'object', additionalProperties: { type: 'object', additionalProperties: true }, description: 'Per band, the latest detection: mag, mag_err, mjd_tai, alert_id' },
    latest_alert_id: { type: 'string', nullable: true },
    annotations: {
      type: 'object', description: "Per served catalog, its rows within the catalog's default radius, nearest first (at most 3)",
      additionalProperties: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, ra: { type: 'number' }, dec: { type: 'number' }, sep_arcsec: { type: 'number' }, url: { type: 'string' } } } },
    },
    watchlist_hits: { type: 'array', description: "Hits of the caller's watch lists on this object (empty without an API key)", items: { type: 'object', additionalProperties: true } },
    links: linkObject,
  },
} as const;

const row = (props: Record<string, unknown>) => ({ type: 'object', properties: props });
const bandCurveSchema = {
  type: 'object',
  properties: {
    detections: {
      type: 'array', items: row({
        alert_id: { type: 'string' }, mjd_tai: { type: 'number' }, band: { type: 'string' }, survey: { type: 'string' },
        mag: nullableNumber, mag_err: nullableNumber, flux: nullableNumber, flux_err: nullableNumber, flux_unit: { type: 'string' },
        is_diff_pos: { type: 'boolean', nullable: true }, ra: { type: 'number' }, dec: { type: 'number' },
        from: { type: 'string', enum: ['alert', 'history'] }, alert_url: { type: 'string', nullable: true },
      }),
    },
    forced_photometry: { type: 'array', items: row({ mjd_tai: { type: 'number' }, band: { type: 'string' }, survey: { type: 'string' }, flux: nullableNumber, flux_err: nullableNumber, flux_unit: { type: 'string' } }) },
    upper_limits: { type: 'array', items: row({ mjd_tai: { type: 'number' }, band: { type: 'string' }, survey: { type: 'string' }, limiting_mag: nullableNumber }) },
  },
} as const;

const lightCurveSchema = {
  type: 'object',
  properties: {
    object_id: { type: 'string' },
    time_scale: { type: 'string', enum: ['tai'], description: 'Every time is MJD in TAI (ZTF times converted from UTC)' },
    time_unit: { type: 'string', enum: ['mjd'] },
    bands: { type: 'object', additionalProperties: bandCurveSchema, description: 'Per band: detections, forced photometry and upper limits, each in time order' },
    links: linkObject,
  },
} as const;

const objectListSchema = {
  type: 'object', required: ['objects', 'count'],
  properties: {
    count: { type: 'integer', description: 'Objects found (all of them, also when truncated)' },
    truncated: { type: 'boolean' },
    objects: {
      type: 'array',
      items: {
        type: 'object', additionalProperties: true,
        properties: {
          object_id: { type: 'string' }, ra: { type: 'number' }, dec: { type: 'number' }, sep_arcsec: { type: 'number', nullable: true },
          aliases: { type: 'array', items: { type: 'string' } }, n_detections: { type: 'integer' }, url: { type: 'string' },
        },
      },
    },
  },
} as const;

const ARROW = 'application/vnd.apache.arrow.stream';

/** Rows of the served catalogs near a position (nearest first, at most 3 per catalog). */
function annotations(ctx: ServiceContext, ra: number, dec: number, links: Links): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const [name, c] of ctx.catalogs) {
    const hits = c.catalog.index.coneSorted(ra, dec, c.defaultRadiusArcsec);
    if (hits.length === 0) continue;
    const ids = c.catalog.ids();
    const catRa = c.catalog.ra, catDec = c.catalog.dec;
    out[name] = hits.slice(0, 3).map((h) => ({
      id: String(ids.get(h.row)), ra: catRa[h.row], dec: catDec[h.row], sep_arcsec: h.sepArcsec,
      url: `${links.base}/v1/catalogs/${encodeURIComponent(name)}/cone?ra=${catRa[h.row]}&dec=${catDec[h.row]}&radius_arcsec=1`,
    }));
  }
  return out;
}

/** Hits of the caller's watch lists on an object (none without a key). */
function watchHits(ctx: ServiceContext, req: FastifyRequest, objectId: number, links: Links): unknown[] {
  if (!req.apiKey) return [];
  const out: unknown[] = [];
  const id = String(objectId);
  for (const wl of ctx.watchlists.list(req.apiKey.id)) {
    let cursor: string | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const page = ctx.watchlists.hitsSince(wl.id, '', cursor, 1000);
      for (const h of page.hits) if (h.objectId === id) out.push({ ...hitFields(h), watchlist_name: wl.name, object_url: links.object(h.objectId), alert_url: links.alert(h.alertId) });
      if (!page.next) break;
      cursor = page.next;
    }
  }
  return out;
}

export function objectRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const model = ctx.objects;
  const limits = ctx.config.limits;
  app.addSchema(objectSchema);

  const objectOf = (id: string) => {
    const o = model.object(Number(id));
    if (!o) throw new ObjectNotFound(clip(id));
    return o;
  };

  app.get<{ Params: { id: string } }>('/v1/objects/:id', {
    config: { access: 'read' },
    schema: {
      tags: ['objects'], summary: 'An object: position, aliases, statistics, latest magnitudes, annotations, hits, links',
      description: 'Mean and latest position, survey aliases, statistics per band, the latest magnitude per band, annotations (served catalogs near the object), the caller\'s watch-list hits on it (with an API key) and absolute links to its light curve, latest alert and cutouts. Times are MJD TAI. Filter matches come with the filters feature.',
      params: objectIdParam,
      response: { 200: { $ref: 'StreamObject#' }, ...errorResponses },
    },
  }, async (req, reply) => {
    const o = objectOf(req.params.id);
    const links = linksOf(ctx, req);
    const view = { ...objectView(o, model.lightCurve(o.id), links), annotations: annotations(ctx, o.ra, o.dec, links), watchlist_hits: watchHits(ctx, req, o.id, links) };
    return reply.type('application/json').serializer(JSON.stringify).send(view); // see the light curve's route
  });

  app.get<{ Params: { id: string }; Querystring: { format: 'json' | 'csv' | 'arrow' } }>('/v1/objects/:id/lightcurve', {
    config: { access: 'read' },
    schema: {
      tags: ['objects'], summary: 'Light curve of an object: detections, forced photometry, upper limits per band',
      description: 'Every stored detection (with magnitude or flux), forced photometry (flux; ZTF in DN of the difference image, Rubin in nJy) and upper limit (limiting magnitude), each kind apart, per band, in time order. Times are MJD TAI (ZTF exposure starts converted from UTC, Rubin midpoints as given). ?format=csv or arrow gives one flat table with a `kind` column (detection, forced_photometry, upper_limit).',
      params: objectIdParam,
      querystring: {
        type: 'object', additionalProperties: false,
        properties: { format: { type: 'string', enum: ['json', 'csv', 'arrow'], default: 'json', description: 'json (grouped by band), or csv / arrow (one flat table)' } },
      },
      response: {
        200: {
          description: 'The light curve: JSON grouped by band, or a flat CSV / Arrow table (kind, mjd_tai, band, survey, mag, mag_err, limiting_mag, flux, flux_err, flux_unit, alert_id)',
          content: {
            'application/json': { schema: lightCurveSchema },
            'text/csv': { schema: { type: 'string', description: 'kind,mjd_tai,band,survey,mag,mag_err,limiting_mag,flux,flux_err,flux_unit,alert_id' } },
            [ARROW]: { schema: { type: 'string', format: 'binary', description: 'Arrow IPC stream with the CSV columns (numbers float64, null when missing)' } },
          },
        },
        ...errorResponses,
      },
    },
  }, async (req, reply) => {
    const o = objectOf(req.params.id);
    const lc = model.lightCurve(o.id);
    if (req.query.format === 'csv') {
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `inline; filename="object-${o.id}-lightcurve.csv"`).send(lightCurveCsv(flatLightCurve(lc)));
    }
    if (req.query.format === 'arrow') return reply.type(ARROW).send(Buffer.from(lightCurveArrow(flatLightCurve(lc))));
    // The view is built to the schema's shape; JSON.stringify writes it in a fifth of
    // the time the schema's compiled serializer takes for these nested band maps.
    return reply.type('application/json').serializer(JSON.stringify).send(lightCurveView(o.id, lc, linksOf(ctx, req)));
  });

  app.get<{ Querystring: { ra?: number; dec?: number; radius_arcsec?: number; alias?: string; limit: number } }>('/v1/objects', {
    config: { access: 'read' },
    schema: {
      tags: ['objects'], summary: 'Find objects by position (cone, nearest first) or by survey alias',
      description: 'Either ra, dec and radius_arcsec (a cone over the live object table, sorted by separation) or alias (a survey id such as ZTF21abiuvdk or ztf:ZTF21abiuvdk).',
      querystring: {
        type: 'object', additionalProperties: false,
        properties: {
          ra: { ...raProp, examples: [0.8143] },
          dec: { ...decProp, examples: [16.1457] },
          radius_arcsec: { type: 'number', exclusiveMinimum: 0, description: 'Cone radius, arcsec (up to the configured maximum)', examples: [5] },
          alias: { type: 'string', minLength: 1, maxLength: 200, description: "A survey id: 'ZTF21abiuvdk' (every survey tried) or 'ztf:ZTF21abiuvdk'" },
          limit: { type: 'integer', minimum: 1, default: 100, description: 'Most objects returned (nearest first; capped by limits.maxConeRows)' },
        },
      },
      response: { 200: objectListSchema, ...errorResponses },
    },
  }, async (req) => {
    const q = req.query;
    const links = linksOf(ctx, req);
    const cone = q.ra !== undefined || q.dec !== undefined || q.radius_arcsec !== undefined;
    if (cone && q.alias !== undefined) throw new BadRequest('querystring: give either alias or ra, dec and radius_arcsec, not both');
    const summary = (id: number, sep: number | null) => {
      const o = model.object(id);
      return o ? { object_id: String(id), ra: o.ra, dec: o.dec, sep_arcsec: sep, aliases: [...o.record.aliases].sort(), n_detections: o.record.nDetections, url: links.object(id) } : null;
    };
    if (q.alias !== undefined) {
      const objects = model.objectIdsByAlias(q.alias).map((id) => summary(id, null)).filter((o) => o !== null);
      return { count: objects.length, truncated: false, objects };
    }
    if (!cone) throw new BadRequest("querystring: give alias, or ra, dec and radius_arcsec");
    for (const k of ['ra', 'dec', 'radius_arcsec'] as const) if (q[k] === undefined) throw new BadRequest(`querystring: '${k}' is required for a cone search`);
    if (q.radius_arcsec! > limits.maxRadiusArcsec) throw new RadiusTooLarge('radius_arcsec', limits.maxRadiusArcsec, q.radius_arcsec!);
    const limit = Math.min(q.limit, limits.maxConeRows);
    const { rows, total } = model.cone(normalizeRa(q.ra!), q.dec!, q.radius_arcsec!, limit);
    const objects = rows.map((r) => summary(r.id, r.sepArcsec)).filter((o) => o !== null);
    return { count: total, truncated: total > limit, objects };
  });
}
