// Alerts of the stream: GET /v1/alerts (the latest), /v1/alerts/{alert_id}
// (decoded), /v1/alerts/{alert_id}/avro (the archived record's bytes as they
// came, in an Avro container with their writer schema) and the cutouts,
// /v1/alerts/{alert_id}/cutouts/{science|template|difference}.{fits|png}.

import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { encodeContainer } from '../../stream/avro/container-writer.js';
import { readFitsImage } from '../../objects/fits-image.js';
import { CUTOUT_KINDS } from '../../objects/links.js';
import { encodeGreyPng } from '../../objects/png.js';
import { stretchToGrey, type Stretch } from '../../objects/stretch.js';
import { alertSummary, packetJson } from '../../objects/views.js';
import { clip } from '../../messages/quote.js';
import type { ServiceContext } from '../context.js';
import { AlertNotFound, CutoutNotFound } from '../errors.js';
import { errorResponses } from '../schemas.js';
import { linksOf } from './objects.js';

const alertIdParam = {
  type: 'string', pattern: '^[0-9]{1,20}$',
  description: 'Alert id: ZTF candid or Rubin diaSourceId, decimal', examples: ['1707409520815015012'],
} as const;

const alertSummarySchema = {
  $id: 'AlertSummary',
  type: 'object',
  properties: {
    alert_id: { type: 'string' }, object_id: { type: 'string' }, survey: { type: 'string' },
    mjd_tai: { type: 'number', description: 'Observation time, MJD TAI' }, time_utc: { type: 'string', description: 'Observation time, ISO 8601 UTC' },
    night: { type: 'string', description: 'UTC date of the observation, YYYYMMDD' }, band: { type: 'string' },
    mag: { type: 'number', nullable: true }, mag_err: { type: 'number', nullable: true },
    flux: { type: 'number', nullable: true, description: 'Rubin: difference-image PSF flux, nJy' }, flux_err: { type: 'number', nullable: true },
    ra: { type: 'number' }, dec: { type: 'number' },
    links: { type: 'object', additionalProperties: true, description: 'Absolute URLs: the alert, its object, its Avro packet, its cutouts (FITS and PNG)' },
  },
} as const;

/** Cached PNG renderings: cutouts never change once written. */
class PngCache {
  private readonly map = new Map<string, Buffer>();
  constructor(private readonly max = 512) {}
  get(k: string): Buffer | undefined {
    return this.map.get(k);
  }
  set(k: string, v: Buffer): void {
    if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value!);
    this.map.set(k, v);
  }
}

export function alertRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const model = ctx.objects;
  const pngs = new PngCache();
  app.addSchema(alertSummarySchema);

  app.get<{ Querystring: { limit: number } }>('/v1/alerts', {
    config: { access: 'read' },
    schema: {
      tags: ['alerts'], summary: 'The latest archived alerts, newest first',
      description: 'Alerts of the most recent nights in the archive, by observation time, newest first.',
      querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50, description: 'How many alerts' } } },
      response: { 200: { type: 'object', properties: { alerts: { type: 'array', items: { $ref: 'AlertSummary#' } } } }, ...errorResponses },
    },
  }, async (req) => {
    const links = linksOf(ctx, req);
    return { alerts: model.latestAlerts(req.query.limit).map((d) => alertSummary(d, links)) };
  });

  app.get<{ Params: { alert_id: string } }>('/v1/alerts/:alert_id', {
    config: { access: 'read' },
    schema: {
      tags: ['alerts'], summary: 'An alert, decoded',
      description: "The alert's summary (time as MJD TAI and UTC, band, photometry, links) and the whole packet as the survey sent it, decoded: longs as decimal strings, cutout bytes replaced by their URLs.",
      params: { type: 'object', required: ['alert_id'], properties: { alert_id: alertIdParam } },
      response: {
        200: {
          type: 'object',
          properties: {
            ...alertSummarySchema.properties,
            schema_name: { type: 'string', description: "The packet's writer schema (Avro record name)" },
            packet: { type: 'object', additionalProperties: true, description: 'The decoded packet' },
          },
        },
        ...errorResponses,
      },
    },
  }, async (req) => {
    const a = model.alert(req.params.alert_id);
    if (!a) throw new AlertNotFound(clip(req.params.alert_id));
    const links = linksOf(ctx, req);
    const value = a.type.fromBuffer(a.raw);
    return { ...alertSummary(a.detection, links), schema_name: (a.type as { name?: string }).name ?? '', packet: packetJson(value, a.detection.alertId, links) };
  });

  app.get<{ Params: { alert_id: string } }>('/v1/alerts/:alert_id/avro', {
    config: { access: 'read' },
    schema: {
      tags: ['alerts'], summary: 'An alert as received: its Avro record, byte for byte',
      description: "An Avro object container file (null codec) holding the alert's record exactly as the survey sent it (the bytes kept in the archive) with its writer schema: readable by any Avro library.",
      params: { type: 'object', required: ['alert_id'], properties: { alert_id: alertIdParam } },
      response: {
        200: { description: 'Avro object container file', content: { 'application/avro': { schema: { type: 'string', format: 'binary' } } } },
        ...errorResponses,
      },
    },
  }, async (req, reply) => {
    const a = model.alert(req.params.alert_id);
    if (!a) throw new AlertNotFound(clip(req.params.alert_id));
    return reply.type('application/avro')
      .header('content-disposition', `attachment; filename="${a.detection.alertId}.avro"`)
      .send(encodeContainer(a.schemaText, [a.raw]));
  });

  app.get<{ Params: { alert_id: string; kind: string; format: 'fits' | 'png' }; Querystring: { stretch: Stretch; scale: number } }>('/v1/alerts/:alert_id/cutouts/:kind.:format', {
    config: { access: 'read' },
    schema: {
      tags: ['alerts'], summary: "An alert's cutout: the stored FITS, or a PNG for people",
      description: 'science, template or difference image. .fits: the FITS file as the survey sent it (gzip-compressed ZTF cutouts are sent with Content-Encoding: gzip to clients that accept it, otherwise decompressed). .png: an 8-bit greyscale picture, north up as stored (FITS row 1 at the bottom), with a zscale stretch (the IRAF algorithm, equal to astropy ZScaleInterval: linear between limits from a line fitted to the sorted pixel sample, contrast 0.25) or an asinh stretch (asinh(x/0.1)/asinh(10) between the 0.5 and 99.5 percentiles); each pixel drawn scale x scale.',
      params: {
        type: 'object', required: ['alert_id', 'kind', 'format'],
        properties: {
          alert_id: alertIdParam,
          kind: { type: 'string', enum: [...CUTOUT_KINDS], examples: ['science'] },
          format: { type: 'string', enum: ['fits', 'png'], examples: ['png'] },
        },
      },
      querystring: {
        type: 'object', additionalProperties: false,
        properties: {
          stretch: { type: 'string', enum: ['zscale', 'asinh'], default: 'zscale', description: 'PNG only: the display stretch' },
          scale: { type: 'integer', minimum: 1, maximum: 16, default: 4, description: 'PNG only: pixels drawn as scale x scale blocks' },
        },
      },
      response: {
        200: {
          description: 'The cutout',
          content: {
            'application/fits': { schema: { type: 'string', format: 'binary', description: 'FITS file' } },
            'image/png': { schema: { type: 'string', format: 'binary', description: 'PNG picture' } },
          },
        },
        ...errorResponses,
      },
    },
  }, async (req, reply) => {
    const { alert_id: id, kind, format } = req.params;
    const c = model.cutout(id, kind);
    if (!c) {
      if (!model.detection(id)) throw new AlertNotFound(clip(id));
      throw new CutoutNotFound(clip(id), kind);
    }
    const bytes = await readFile(c.file);
    reply.header('cache-control', 'public, max-age=86400, immutable');
    if (format === 'fits') {
      reply.type('application/fits').header('content-disposition', `inline; filename="${id}.${kind}.fits"`).header('vary', 'accept-encoding');
      if (c.format === 'fits.gz') {
        if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(bytes);
        return reply.send(gunzipSync(bytes));
      }
      return reply.send(bytes);
    }
    const key = `${id}/${kind}/${req.query.stretch}/${req.query.scale}`;
    let png = pngs.get(key);
    if (!png) {
      const img = readFitsImage(c.format === 'fits.gz' ? gunzipSync(bytes) : bytes);
      png = encodeGreyPng(stretchToGrey(img, req.query.stretch), img.width, img.height, req.query.scale);
      pngs.set(key, png);
    }
    return reply.type('image/png').send(png);
  });
}
