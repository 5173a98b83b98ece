// A Confluent schema registry for tests: a real HTTP(S) server on loopback
// with the routes skyjoin uses (GET /schemas/ids/{id}, GET /subjects,
// POST /subjects/{subject}/versions), optional basic auth and TLS. Schemas
// may be put under fixed ids (Rubin's ids, 1101 for 11.1); a registered
// schema gets the next free id, the same text the same id.

import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface TestRegistryOptions {
  /** Schema text by id, served as they are. */
  schemas?: Record<number, string>;
  basicAuth?: { user: string; password: string };
  tls?: { key: Buffer; cert: Buffer };
}

export interface TestRegistry {
  url: string;
  /** Every request: method, path, and whether it carried valid credentials. */
  requests: Array<{ method: string; path: string; authorized: boolean }>;
  subjects: Map<string, number[]>;
  stop(): Promise<void>;
}

export async function startTestRegistry(o: TestRegistryOptions = {}): Promise<TestRegistry> {
  const byId = new Map<number, string>(Object.entries(o.schemas ?? {}).map(([k, v]) => [Number(k), v]));
  const subjects = new Map<string, number[]>();
  const requests: TestRegistry['requests'] = [];
  const want = o.basicAuth ? `Basic ${Buffer.from(`${o.basicAuth.user}:${o.basicAuth.password}`).toString('base64')}` : undefined;
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
      res.end(JSON.stringify(body));
    };
    const authorized = !want || req.headers.authorization === want;
    requests.push({ method: req.method ?? 'GET', path: req.url ?? '', authorized });
    if (!authorized) return send(401, { error_code: 401, message: 'Unauthorized' });
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
    req.on('end', () => {
      const url = req.url ?? '';
      let m: RegExpExecArray | null;
      if (req.method === 'GET' && (m = /^\/schemas\/ids\/(\d+)$/.exec(url))) {
        const s = byId.get(Number(m[1]));
        return s ? send(200, { schema: s }) : send(404, { error_code: 40403, message: 'Schema not found' });
      }
      if (req.method === 'GET' && url === '/subjects') return send(200, [...subjects.keys()]);
      if (req.method === 'POST' && (m = /^\/subjects\/([^/]+)\/versions$/.exec(url))) {
        const schema = (JSON.parse(body) as { schema: string }).schema;
        let id = [...byId].find(([, s]) => s === schema)?.[0];
        if (id === undefined) byId.set((id = Math.max(0, ...byId.keys()) + 1), schema);
        const subject = decodeURIComponent(m[1]);
        const ids = subjects.get(subject) ?? [];
        if (!ids.includes(id)) ids.push(id);
        subjects.set(subject, ids);
        return send(200, { id });
      }
      send(404, { error_code: 404, message: 'Not found' });
    });
  };
  const server = o.tls ? https.createServer({ key: o.tls.key, cert: o.tls.cert }, handler) : http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${o.tls ? 'https' : 'http'}://127.0.0.1:${port}`, requests, subjects,
    stop: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
