// Who may call what without an API key. Each route says what it is in its
// config (`config: { access: 'read' }`): 'read' (catalogs, cone search,
// matches), 'upload' (POST /v1/sources, /v1/xmatch), 'key' (watch lists: the
// handler asks for the key, which owns the list) or 'open' (the default:
// /healthz, /metrics, /docs). The service's `access` option says whether
// reads and uploads are open. A key that is sent must be valid, whatever the
// route: a revoked key never passes silently as anonymous.
//
// The check is a route-level onRequest hook picked when the route is
// registered, in callback style: per request it costs a header read, with no
// route lookup, promise or allocation (an async global hook cost several µs).

import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import { Unauthorized } from './errors.js';
import type { ApiKey, KeyStore } from './keys.js';
import type { ServiceAccess } from './options.js';

export type RouteAccess = 'open' | 'read' | 'upload' | 'key';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    apiKey: ApiKey | null;
  }
}

const BEARER = /^Bearer\s+(\S+)$/i;

/** The onRequest hook of a route of the given kind. */
export function accessHook(kind: RouteAccess, access: ServiceAccess, keys: KeyStore): onRequestHookHandler {
  const what = kind === 'read' ? 'reads' : kind === 'upload' ? 'uploads' : null;
  const required = what !== null && access[what] === 'key';
  const missing = `this service requires an API key for ${what}: Authorization: Bearer <key> (its access.${what} is 'key')`;
  return function checkKey(req: FastifyRequest, _reply, done) {
    const h = req.headers.authorization;
    if (h !== undefined) {
      const m = BEARER.exec(h);
      const key = m ? keys.verify(m[1]) : null;
      if (!key) return done(new Unauthorized('the API key is not valid (or was revoked)'));
      req.apiKey = key;
    } else if (required) {
      return done(new Unauthorized(missing));
    }
    done();
  };
}
