// buildApp(options): the crossmatch service as a Fastify instance. Tests use
// inject(); `skyjoin serve` listens on a port.

import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type RouteOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import rateLimit from '@fastify/rate-limit';
import { loadCatalogSet } from '../catalog/set.js';
import { LATENCY_BUCKETS_S, Registry } from '../metrics/registry.js';
import { Links } from '../objects/links.js';
import { ReadModel } from '../objects/read-model.js';
import { openStore } from '../watch/open.js';
import { FilterStore } from '../filters/store.js';
import { registryStreamAccess } from '../notify/streams.js';
import { SubscriptionStore } from '../notify/subscriptions.js';
import { StreamRegistry } from '../registry/streams.js';
import { WatchlistStore } from '../watch/store.js';
import { clip } from '../messages/quote.js';
import { accessHook } from './access.js';
import type { ServiceContext } from './context.js';
import { BadJson, BodyTooLarge, RouteNotFound, UnsupportedMediaType } from './errors.js';
import { metricsHook } from './http-metrics.js';
import { KeyStore } from './keys.js';
import { resolveConfig, type ServiceOptions } from './options.js';
import { alertRoutes } from './routes/alerts.js';
import { catalogRoutes } from './routes/catalogs.js';
import { healthRoutes } from './routes/health.js';
import { objectRoutes } from './routes/objects.js';
import { portalRoutes } from './routes/portal.js';
import { sourceRoutes } from './routes/sources.js';
import { filterRoutes } from './routes/filters.js';
import { streamRoutes } from './routes/streams.js';
import { subscriptionRoutes } from './routes/subscriptions.js';
import { watchlistRoutes } from './routes/watchlists.js';
import { catalogSchema, errorSchema } from './schemas.js';
import { UploadStore } from './uploads.js';
import { ACCEPTED_BODIES } from './routes/sources.js';
import { FITS_TYPES, VOTABLE_TYPES } from './table-parse.js';

export { openStore };

const BODY_TYPES = ['text/csv', 'application/vnd.apache.arrow.stream', 'application/vnd.apache.arrow.file', ...FITS_TYPES, ...VOTABLE_TYPES];

/** Rewrites Ajv's messages so they name the field the way users write it. */
function validationMessage(err: FastifyError): string {
  const v = (err as FastifyError & { validation?: Array<{ instancePath: string; message?: string; params?: Record<string, unknown> }>; validationContext?: string }).validation;
  const where = (err as { validationContext?: string }).validationContext ?? 'request';
  if (!v || v.length === 0) return err.message;
  return v.slice(0, 5).map((e) => {
    const field = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : (e.params?.missingProperty as string) ?? (e.params?.additionalProperty as string) ?? where;
    if (e.params?.additionalProperty) return `${where}: unknown field '${clip(e.params.additionalProperty as string)}'`;
    if (e.params?.missingProperty) return `${where}: '${e.params.missingProperty as string}' is required`;
    return `${where}.${field} ${e.message ?? 'is invalid'}`;
  }).join('; ');
}

/** Whether a logger writes info lines (pino's isLevelEnabled; other loggers: assume so). */
function logsRequests(logger: FastifyBaseLogger): boolean {
  return (logger as FastifyBaseLogger & { isLevelEnabled?(level: string): boolean }).isLevelEnabled?.('info') ?? true;
}

export async function buildApp(options: ServiceOptions): Promise<FastifyInstance> {
  const config = resolveConfig(options);
  const catalogs = await loadCatalogSet(config.catalogs, config.dataDir);
  const env = openStore(config.dataDir);
  const registry = new Registry();
  const watchlists = new WatchlistStore(env);
  const filters = new FilterStore(env);
  const ctx: ServiceContext = {
    config, catalogs, env,
    keys: new KeyStore(env),
    uploads: new UploadStore(env, config.uploadTtlSeconds),
    watchlists,
    objects: new ReadModel(config.dataDir, config.streamInstance),
    links: config.publicUrl ? new Links(config.publicUrl) : undefined,
    filters,
    streams: new StreamRegistry(env),
    subscriptions: new SubscriptionStore(env, config.notify.deliveriesKept),
    streamAccess: registryStreamAccess(watchlists, filters),
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
    // A logger per request (pino child with the request id) costs ~9 µs; it
    // is worth it only when requests are logged (level info or lower).
    // Otherwise requests share the root logger and errors name their reqId.
    childLoggerFactory: (logger, bindings, opts) => (logsRequests(logger) ? logger.child(bindings, opts) : logger),
  });
  app.decorateRequest('apiKey', null);
  app.addSchema(errorSchema);
  app.addSchema(catalogSchema);

  // Every route (the docs' too) gets its key check first and its metrics
  // last, as route-level hooks bound to the route (src/service/access.ts,
  // http-metrics.ts). Registered before any route.
  app.addHook('onRoute', (route: RouteOptions) => {
    const method = Array.isArray(route.method) ? route.method.join(',') : route.method;
    const list = <T>(h: T | T[] | undefined): T[] => (h === undefined ? [] : Array.isArray(h) ? h : [h]);
    route.onRequest = [accessHook(route.config?.access ?? 'open', config.access, ctx.keys), ...list(route.onRequest)];
    route.onResponse = [...list(route.onResponse), metricsHook(ctx.metrics, route.url, method)];
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'skyjoin crossmatch service',
        description: 'Cone search, crossmatch of source lists, watch lists, users\' filters on the alert stream, the registry of its streams (pull and SSE) and notification subscriptions over the skyjoin engine; the objects, light curves, alerts and cutouts of the alert stream. Angles in degrees, radii in arcsec, light-curve times MJD TAI.',
        version: '1',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key from `skyjoin keys create NAME`' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

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

  const notFound = ctx.metrics.requests.series({ route: 'unknown', method: 'any', status: '404' });
  app.setNotFoundHandler((req, reply) => {
    notFound.inc();
    const e = new RouteNotFound(clip(req.method), clip(req.url.split('?')[0]));
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
      const e = new UnsupportedMediaType(clip(String(req.headers['content-type'])), ACCEPTED_BODIES);
      status = 415; code = e.code; message = e.message;
    } else if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || (err.name === 'SyntaxError' && status === 400)) {
      const e = new BadJson(clip(err.message));
      status = 400; code = e.code; message = e.message;
    } else if (code.startsWith('FST_') && status < 500) {
      code = `SKY_${code.slice(4)}`;
    } else if (err instanceof RangeError || err instanceof TypeError) {
      // The library names bad values in its RangeErrors: a client mistake.
      if (status >= 500) { status = 400; code = 'SKY_BAD_REQUEST'; }
    }
    if (status >= 500) {
      req.log.error({ err, reqId: req.id, url: clip(req.url) }, 'unhandled error');
      message = 'internal error (logged)';
      code = 'SKY_INTERNAL';
    }
    const statusText: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 406: 'Not Acceptable', 409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' };
    // Every quote of input is clipped where it is made; this bounds what a
    // message built from many of them (or by a dependency) can grow to.
    reply.code(status).send({ statusCode: status, code, error: statusText[status] ?? 'Error', message: clip(message, 1000) });
  });

  catalogRoutes(app, ctx);
  sourceRoutes(app, ctx);
  watchlistRoutes(app, ctx);
  objectRoutes(app, ctx);
  alertRoutes(app, ctx);
  filterRoutes(app, ctx);
  streamRoutes(app, ctx);
  subscriptionRoutes(app, ctx);
  healthRoutes(app, ctx);
  portalRoutes(app);

  const sweep = setInterval(() => { ctx.uploads.sweep().catch((e) => app.log.warn({ err: e }, 'upload sweep failed')); }, 60_000);
  sweep.unref();
  app.addHook('onClose', async () => {
    clearInterval(sweep);
    await ctx.objects.close();
    await env.close();
  });
  app.decorate('skyjoin', ctx);
  return app;
}
