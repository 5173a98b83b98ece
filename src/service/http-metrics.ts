// Request counts by route, method and status, and latency by route, counted
// by a route-level onResponse hook that holds its route's series: per request
// an addition and a histogram step, with no label strings built (the route's
// url is not even read: `req.routeOptions` builds an object on every access).

import type { onResponseHookHandler } from 'fastify';
import type { CounterSeries } from '../metrics/registry.js';
import type { ServiceContext } from './context.js';

export function metricsHook(metrics: ServiceContext['metrics'], route: string, method: string): onResponseHookHandler {
  const latency = metrics.latency.series({ route });
  const byStatus = new Map<number, CounterSeries>();
  return function countRequest(_req, reply, done) {
    const status = reply.statusCode;
    let s = byStatus.get(status);
    if (s === undefined) byStatus.set(status, (s = metrics.requests.series({ route, method, status: String(status) })));
    s.inc();
    latency.observe(reply.elapsedTime / 1000);
    done();
  };
}
