// buildApp(options): the crossmatch service as a Fastify instance. Tests use
// inject(); `skyjoin serve` listens on a port.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import rateLimit from '@fastify/rate-limit';
import { open as openLmdb } from 'lmdb';
import { loadCatalogSet } from '../catalog/set.js';
import { LATENCY_BUCKETS_S, Registry } from '../metrics/registry.js';
import { WatchlistStore } from '../watch/store.js';
import type { ServiceContext } from './context.js';
import { BadJson, BodyTooLarge, RouteNotFound, UnsupportedMediaType, Unauthorized } from './errors.js';
import { KeyStore, type ApiKey } from './keys.js';
import { resolveConfig, type ServiceOptions } from './options.js';
import { catalogRoutes } from './routes/catalogs.js';
import { healthRoutes } from './routes/health.js';
import { sourceRoutes } from './routes/sources.js';
import { watchlistRoutes } from './routes/watchlists.js';
import { catalogSchema, errorSchema } from './schemas.js';
import { UploadStore } from './uploads.js';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey: ApiKey | null;
  }
}

/** Opens (or creates) the service's LMDB store in dataDir/store. */
export function openStore(dataDir: string) {
  const dir = path.join(dataDir, 'store');
  mkdirSync(dir, { recursive: true });
  return openLmdb({ path: dir, maxDbs: 64 });
}

const BODY_TYPES = ['text/csv', 'application/vnd.apache.arrow.stream', 'application/vnd.apache.arrow.file'];

/** Rewrites Ajv's messages so they name the field the way users write it. */
function validationMessage(err: FastifyError): string {
  const v = (err as FastifyError & { validation?: Array<{ instancePath: string; message?: string; params?: Record<string, unknown> }>; validationContext?: string }).validation;
  const where = (err as { validationContext?: string }).validationContext ?? 'request';
  if (!v || v.length === 0) return err.message;
  return v.slice(0, 5).map((e) => {
    const field = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : (e.params?.missingProperty as string) ?? (e.params?.additionalProperty as string) ?? where;
    if (e.params?.additionalProperty) return `${where}: unknown field '${e.params.additionalProperty as string}'`;
    if (e.params?.missingProperty) return `${where}: '${e.params.missingProperty as string}' is required`;
    return `${where}.${field} ${e.message ?? 'is invalid'}`;
  }).join('; ');
}

export async function buildApp(options: ServiceOptions): Promise<FastifyInstance> {
  const config = resolveConfig(options);
  const catalogs = await loadCatalogSet(config.catalogs, config.dataDir);
  const env = openStore(config.dataDir);
  const registry = new Registry();
  const ctx: ServiceContext = {
    config, catalogs, env,
    keys: new KeyStore(env),
    uploads: new UploadStore(env, config.uploadTtlSeconds),
    watchlists: new WatchlistStore(env),
    metrics: {
      registry,
      requests: registry.counter('skyjoin_http_requests_total', 'HTTP requests by route, method and status'),
      latency: registry.histogram('skyjoin_http_request_duration_seconds', 'HTTP request latency by route', LATENCY_BUCKETS_S),
      matches: registry.counter('skyjoin_matches_served_total', 'Catalog rows returned by cone and crossmatch requests'),
    },
  };
  registry.gauge('skyjoin_catalog_rows', 'Rows of each served catalog', () => [...catalogs].map(([n, c]) => [{ catalog: n }, c.catalog.length]));

  const app = Fastify({
    logger: config.logger,
    bodyLimit: config.limits.maxBodyBytes,
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, useDefaults: true, allErrors: false } },
  });
  app.decorateRequest('apiKey', null);
  app.addSchema(errorSchema);
  app.addSchema(catalogSchema);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'skyjoin crossmatch service',
        description: 'Cone search, crossmatch of source lists and watch lists over the skyjoin engine. Angles in degrees, radii in arcsec.',
        version: '1',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key from `skyjoin keys create NAME`' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // Keys: a bad key is refused even on open routes; none is fine unless the config says otherwise.
  app.addHook('onRequest', async (req: FastifyRequest) => {
    const h = req.headers.authorization;
    if (h) {
      const m = /^Bearer\s+(\S+)$/i.exec(h);
      const key = m ? ctx.keys.verify(m[1]) : null;
      if (!key) throw new Unauthorized('the API key is not valid (or was revoked)');
      req.apiKey = key;
    } else if (config.requireKeyForReads && !req.url.startsWith('/healthz') && !req.url.startsWith('/docs') && !req.url.startsWith('/metrics')) {
      throw new Unauthorized('this service requires an API key: Authorization: Bearer <key>');
    }
  });

  if (config.rateLimitPerMinute > 0 || config.anonymousRateLimitPerMinute > 0) {
    await app.register(rateLimit, {
      timeWindow: 60_000,
      keyGenerator: (req) => (req.apiKey ? `key:${req.apiKey.id}` : `ip:${req.ip}`),
      max: (req) => (req.apiKey
        ? req.apiKey.rateLimitPerMinute ?? (config.rateLimitPerMinute || 1e9)
        : config.anonymousRateLimitPerMinute || 1e9),
      errorResponseBuilder: (_req, c) => ({ statusCode: 429, code: 'SKY_RATE_LIMITED', error: 'Too Many Requests', message: `rate limit of ${c.max} requests per minute reached; retry in ${Math.ceil(c.ttl / 1000)} s` }),
    });
  }

  for (const t of BODY_TYPES) {
    app.addContentTypeParser(t, { parseAs: 'buffer', bodyLimit: config.limits.maxBodyBytes }, (_req, body, done) => done(null, body));
  }

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unknown';
    ctx.metrics.requests.inc({ route, method: req.method, status: String(reply.statusCode) });
    ctx.metrics.latency.observe({ route }, reply.elapsedTime / 1000);
  });

  app.setNotFoundHandler((req, reply) => {
    const e = new RouteNotFound(req.method, req.url.split('?')[0]);
    reply.code(404).send({ statusCode: 404, code: e.code, error: 'Not Found', message: e.message });
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    let status = err.statusCode ?? 500;
    let code = err.code ?? 'SKY_INTERNAL';
    let message = err.message;
    if (err.validation) {
      status = 400;
      code = 'SKY_BAD_REQUEST';
      message = validationMessage(err);
    } else if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const e = new BodyTooLarge(config.limits.maxBodyBytes);
      status = 413; code = e.code; message = e.message;
    } else if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      const e = new UnsupportedMediaType(String(req.headers['content-type']), 'application/json, text/csv or application/vnd.apache.arrow.stream');
      status = 415; code = e.code; message = e.message;
    } else if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || (err.name === 'SyntaxError' && status === 400)) {
      const e = new BadJson(err.message);
      status = 400; code = e.code; message = e.message;
    } else if (code.startsWith('FST_') && status < 500) {
      code = `SKY_${code.slice(4)}`;
    } else if (err instanceof RangeError || err instanceof TypeError) {
      // The library names bad values in its RangeErrors: a client mistake.
      if (status >= 500) { status = 400; code = 'SKY_BAD_REQUEST'; }
    }
    if (status >= 500) {
      req.log.error({ err }, 'unhandled error');
      message = 'internal error (logged)';
      code = 'SKY_INTERNAL';
    }
    const statusText: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 406: 'Not Acceptable', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' };
    reply.code(status).send({ statusCode: status, code, error: statusText[status] ?? 'Error', message });
  });

  catalogRoutes(app, ctx);
  sourceRoutes(app, ctx);
  watchlistRoutes(app, ctx);
  healthRoutes(app, ctx);

  const sweep = setInterval(() => { ctx.uploads.sweep().catch((e) => app.log.warn({ err: e }, 'upload sweep failed')); }, 60_000);
  sweep.unref();
  app.addHook('onClose', async () => {
    clearInterval(sweep);
    await env.close();
  });
  app.decorate('skyjoin', ctx);
  return app;
}
