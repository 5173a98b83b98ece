// GET /healthz, GET /metrics

import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../context.js';

export function healthRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.get('/healthz', {
    schema: {
      tags: ['operations'], summary: 'Liveness, and whether the catalogs and the stores are open',
      description: 'For load balancers and orchestrators: 200 when the LMDB store answers reads, 503 otherwise. Needs no API key.',
      response: {
        200: {
          type: 'object',
          properties: {
            status: { type: 'string', enum: ['ok'] },
            catalogs: { type: 'object', additionalProperties: { type: 'integer' }, description: 'Rows of each served catalog' },
            store: { type: 'string', enum: ['open'], description: 'The LMDB store answers reads' },
            uptime_s: { type: 'number' },
          },
        },
        503: { type: 'object', properties: { status: { type: 'string' }, error: { type: 'string' } } },
      },
    },
  }, async (_req, reply) => {
    try {
      ctx.env.get('__healthz__');
    } catch (err) {
      return reply.code(503).send({ status: 'unavailable', error: `store: ${(err as Error).message}` });
    }
    return {
      status: 'ok', store: 'open', uptime_s: process.uptime(),
      catalogs: Object.fromEntries([...ctx.catalogs].map(([n, c]) => [n, c.catalog.length])),
    };
  });

  app.get('/metrics', {
    schema: {
      tags: ['operations'], summary: 'Prometheus metrics (text exposition format)',
      description: 'Requests by route, method and status, latency histograms by route, catalog rows served, catalog sizes. Needs no API key.',
      response: { 200: { description: 'Prometheus text exposition format 0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } } },
    },
  }, async (_req, reply) => {
    reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8');
    return ctx.metrics.registry.render();
  });
}
