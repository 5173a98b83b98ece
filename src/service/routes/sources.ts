// POST /v1/sources, GET /v1/sources/{id}/matches, POST /v1/xmatch

import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { clip } from '../../messages/quote.js';
import type { ServedCatalog } from '../../catalog/set.js';
import type { CounterSeries } from '../../metrics/registry.js';
import type { TextColumn } from '../../catalog/text.js';
import type { ServiceContext } from '../context.js';
import { BadCursor, RadiusTooLarge, TooManySources, UnsupportedMediaType, UploadNotFound } from '../errors.js';
import { CONTENT_TYPE, matchBytes, negotiate, type MatchChunk } from '../match-output.js';
import { catalogOf, matchesServed, parseColumns } from './catalogs.js';
import { columnsProp, docsOnly, errorResponses, kProp, matchesResponse, matchRowSchema, modeProp, positionsBody } from '../schemas.js';
import { parseArrowRows, parseCsvRows, parseJsonRows, type PositionList } from '../sources-parse.js';
import { FITS_TYPES, VOTABLE_TYPES, parseTableRows } from '../table-parse.js';
import { CHUNK_ROWS, type SourceChunk } from '../uploads.js';
import { epochParam, epochProp } from '../epoch-param.js';

interface MatchQuery {
  catalog?: string;
  radius_arcsec?: number;
  mode: 'all' | 'best' | 'nearest';
  k: number;
  columns?: string;
  cursor?: string;
  limit?: number;
  epoch?: string;
}

const matchQuerySchema = {
  type: 'object', additionalProperties: false,
  properties: {
    catalog: { type: 'string', description: 'Catalog name (required when more than one is served)', examples: ['bsc5'] },
    radius_arcsec: { type: 'number', minimum: 0, description: "Match radius, arcsec; default: each source's own radius_arcsec if uploaded, else the catalog's default" },
    mode: modeProp, k: kProp, columns: columnsProp,
    cursor: { type: 'string', description: 'Where to continue: the `next` value of the previous page' },
    limit: { type: 'integer', minimum: 1, description: 'Sources per page (default: all remaining, streamed)' },
    epoch: epochProp,
  },
} as const;

export const ACCEPTED_BODIES = 'application/json, text/csv, application/vnd.apache.arrow.stream, application/x-votable+xml or application/fits';

/** Reads a body as sources by Content-Type: JSON array, CSV, Arrow IPC, VOTable or FITS. */
export async function sourcesFromBody(req: FastifyRequest, maxRows: number, idField = 'id', what = 'sources', radius?: { min: number; max: number }): Promise<PositionList> {
  const type = (req.headers['content-type'] ?? 'application/json').split(';')[0].trim().toLowerCase();
  const lim = { maxRows, what, idField, minRadius: radius?.min, maxRadius: radius?.max };
  if (type === 'application/json') {
    const body = req.body as unknown;
    const list = Array.isArray(body) ? body : (body as Record<string, unknown> | null)?.[what];
    return parseJsonRows(list, lim, Array.isArray(body) ? 'body' : what);
  }
  if (type === 'text/csv') return parseCsvRows(req.body as Buffer, lim);
  if (type === 'application/vnd.apache.arrow.stream' || type === 'application/vnd.apache.arrow.file') return parseArrowRows(req.body as Buffer, lim);
  if (FITS_TYPES.includes(type)) return parseTableRows('fits', req.body as Buffer, lim);
  if (VOTABLE_TYPES.includes(type)) return parseTableRows('votable', req.body as Buffer, lim);
  throw new UnsupportedMediaType(clip(type), ACCEPTED_BODIES);
}

function ownerOf(req: FastifyRequest): string | null {
  return (req as FastifyRequest & { apiKey?: { id: string } | null }).apiKey?.id ?? null;
}

/** Crossmatches one chunk of sources against a catalog with the request's options. */
function matchChunk(
  ctx: ServiceContext, c: ServedCatalog, chunk: SourceChunk | { ids: TextColumn; ra: Float64Array; dec: Float64Array; radius: Float64Array | null },
  q: MatchQuery, served: CounterSeries, at: ReturnType<typeof epochParam>,
): MatchChunk {
  let radius: number | Float64Array = q.radius_arcsec ?? c.defaultRadiusArcsec;
  if (q.radius_arcsec === undefined && chunk.radius) {
    const r = chunk.radius;
    radius = Float64Array.from(r, (v) => (Number.isNaN(v) ? c.defaultRadiusArcsec : v));
  }
  const matches = c.catalog.index.crossmatch(chunk.ra, chunk.dec, {
    radiusArcsec: radius, mode: q.mode, k: q.k, ...(at ? { motion: at.motion, epochYear: at.year } : {}),
  });
  served.inc(matches.length);
  return { sourceIds: chunk.ids, matches };
}

function checkRadius(ctx: ServiceContext, r: number | undefined): void {
  if (r !== undefined && r > ctx.config.limits.maxRadiusArcsec) throw new RadiusTooLarge('radius_arcsec', ctx.config.limits.maxRadiusArcsec, r);
}

function sendStream(reply: FastifyReply, format: ReturnType<typeof negotiate>, gen: AsyncGenerator<string | Uint8Array>): FastifyReply {
  reply.header('content-type', CONTENT_TYPE[format]);
  return reply.send(Readable.from(gen));
}

const EXAMPLE_SOURCES = [{ id: 'sn-candidate-1', ra: 10.6847, dec: 41.269 }, { id: 'sn-candidate-2', ra: 83.8221, dec: -5.3911, radius_arcsec: 5 }];

/** The JSON answer of the match routes (CSV and Arrow carry the same columns). */
function matchesJson(extra: Record<string, unknown>) {
  return {
    type: 'object',
    properties: {
      ...extra,
      catalog: { type: 'string' },
      mode: { type: 'string', enum: ['all', 'best', 'nearest'] },
      epoch: { type: 'number', description: 'Epoch the catalog was moved to (Julian year), when one was given' },
      matches: { type: 'array', items: matchRowSchema },
    },
  };
}

export function sourceRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const limits = ctx.config.limits;
  const served = matchesServed(ctx, 'xmatch');

  app.post('/v1/sources', {
    config: { access: 'upload', ...docsOnly({ body: positionsBody('sources', 'id', EXAMPLE_SOURCES) }) },
    schema: {
      tags: ['sources'], summary: 'Upload a list of sources (JSON, CSV or Arrow IPC), kept for later matching',
      description: 'Body: a JSON array of {id, ra, dec[, radius_arcsec]}, CSV with a header holding id,ra,dec[,radius_arcsec], or an Arrow IPC stream with those columns; chosen by Content-Type.',
      response: {
        201: {
          type: 'object',
          properties: {
            id: { type: 'string', description: 'Upload id, for GET /v1/sources/{id}/matches' },
            count: { type: 'integer', description: 'Sources stored' },
            expires_at: { type: 'string', description: 'When the upload is deleted (ISO 8601)' },
          },
        },
        ...errorResponses,
      },
    },
  }, async (req, reply) => {
    const list = await sourcesFromBody(req, limits.maxSourcesPerUpload, 'id', 'sources', { min: 0, max: limits.maxRadiusArcsec });
    if (list.length > limits.maxSourcesPerUpload) throw new TooManySources(limits.maxSourcesPerUpload, list.length);
    const meta = await ctx.uploads.put(ownerOf(req), list);
    reply.code(201).header('location', `/v1/sources/${meta.id}/matches`);
    return { id: meta.id, count: meta.count, expires_at: meta.expiresAt };
  });

  app.get<{ Params: { id: string }; Querystring: MatchQuery }>('/v1/sources/:id/matches', {
    config: {
      access: 'read',
      ...docsOnly({
        responses: {
          200: matchesResponse(matchesJson({
            upload: { type: 'string', description: 'Upload id' },
            sources: { type: 'string', description: 'Sources of this page, first-last (0-based, end exclusive)', examples: ['0-65536'] },
            next: { type: 'string', nullable: true, description: 'Cursor of the next page (also in the x-next-cursor header and a Link header), null on the last page' },
          })),
        },
      }),
    },
    schema: {
      tags: ['sources'], summary: 'Matches of uploaded sources in a catalog: JSON, CSV or Arrow by Accept, streamed, paged by cursor',
      description: 'Crossmatches an upload against a catalog (`catalog` is required when more than one is served) and streams the pairs, so a million sources never wait for the whole answer. With `limit`, one page of sources; the next page is at `cursor` = the `next` value (x-next-cursor header for CSV and Arrow).',
      params: { type: 'object', properties: { id: { type: 'string', description: 'Upload id from POST /v1/sources' } }, required: ['id'] },
      querystring: matchQuerySchema,
      response: { ...errorResponses },
    },
  }, async (req, reply) => {
    const meta = ctx.uploads.get(req.params.id);
    if (!meta) throw new UploadNotFound(clip(req.params.id));
    const q = req.query;
    const c = catalogOf(ctx, q.catalog);
    const cols = parseColumns(c, q.columns);
    checkRadius(ctx, q.radius_arcsec);
    const at = epochParam(c, q.epoch);
    const format = negotiate(req.headers.accept);
    let start = 0;
    if (q.cursor !== undefined) {
      const m = /^s(\d+)$/.exec(q.cursor);
      if (!m || Number(m[1]) > meta.count) throw new BadCursor();
      start = Number(m[1]);
    }
    const end = Math.min(meta.count, start + Math.min(q.limit ?? meta.count, limits.maxPageSources));
    const next = end < meta.count ? `s${end}` : null;
    if (next) reply.header('x-next-cursor', next).header('link', `</v1/sources/${meta.id}/matches?cursor=${next}>; rel="next"`);
    async function* chunks(): AsyncGenerator<MatchChunk> {
      for (let s = start; s < end;) {
        const ci = Math.floor(s / CHUNK_ROWS);
        const chunk = ctx.uploads.chunk(meta!, ci);
        const from = s - chunk.start, to = Math.min(chunk.ra.length, end - chunk.start);
        const part = from === 0 && to === chunk.ra.length ? chunk : {
          ids: chunk.ids.take(Array.from({ length: to - from }, (_, i) => from + i)),
          ra: chunk.ra.subarray(from, to), dec: chunk.dec.subarray(from, to), radius: chunk.radius?.subarray(from, to) ?? null,
        };
        yield matchChunk(ctx, c, part, q, served(c.name), at);
        s = chunk.start + to;
      }
    }
    const head = { catalog: c, columns: cols, meta: { upload: meta.id, catalog: c.name, mode: q.mode, ...(at ? { epoch: at.year } : {}), sources: `${start}-${end}` } };
    return sendStream(reply, format, matchBytes(format, head, chunks(), () => ({ next })));
  });

  app.post<{ Querystring: MatchQuery }>('/v1/xmatch', {
    config: {
      access: 'upload',
      ...docsOnly({
        body: positionsBody('sources', 'id', EXAMPLE_SOURCES),
        responses: { 200: matchesResponse(matchesJson({ sources: { type: 'integer', description: 'Sources sent' } })) },
      }),
    },
    schema: {
      tags: ['sources'], summary: 'Crossmatch a small list of sources in one call',
      description: 'Body: {"sources": [{id, ra, dec[, radius_arcsec]}]} (or a bare array, CSV, or Arrow IPC by Content-Type); options in the query string. Answer as JSON, CSV or Arrow by Accept.',
      querystring: { ...matchQuerySchema, properties: (({ cursor: _c, limit: _l, ...rest }) => rest)(matchQuerySchema.properties) },
      response: { ...errorResponses },
    },
  }, async (req, reply) => {
    const q = req.query;
    const c = catalogOf(ctx, q.catalog);
    const cols = parseColumns(c, q.columns);
    checkRadius(ctx, q.radius_arcsec);
    const at = epochParam(c, q.epoch);
    const format = negotiate(req.headers.accept);
    const list = await sourcesFromBody(req, limits.maxSyncSources, 'id', 'sources', { min: 0, max: limits.maxRadiusArcsec });
    if (list.length > limits.maxSyncSources) throw new TooManySources(limits.maxSyncSources, list.length);
    const result = matchChunk(ctx, c, list, q, served(c.name), at);
    const head = { catalog: c, columns: cols, meta: { catalog: c.name, mode: q.mode, ...(at ? { epoch: at.year } : {}), sources: list.length } };
    return sendStream(reply, format, matchBytes(format, head, [result], () => ({})));
  });

}
