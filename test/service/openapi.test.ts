// The OpenAPI document as an API consumer meets it: every operation is
// described, has its 2xx response schema and (POST, PATCH) its request body,
// and /docs "Try it out" with the document's own examples succeeds for every
// operation (the objects and alerts ones on a data folder fed by a real
// `skyjoin stream` run over the shipped sample alerts).

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/service/app.js';
import type { ServiceContext } from '../../src/service/context.js';
import { KeyStore } from '../../src/service/keys.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

const tmp = tempDir();
let app: FastifyInstance;
let key: string;
beforeAll(async () => {
  const r = await runCli(['stream', '--from', 'file:catalogs/samples/ztf-alerts', '--data', tmp.dir, '--no-annotate', '--no-watch']);
  expect(r.code, r.stderr).toBe(0);
  app = await buildApp({ dataDir: tmp.dir });
  key = (await new KeyStore((app as unknown as { skyjoin: ServiceContext }).skyjoin.env).create('docs')).key;
});
afterAll(async () => {
  await app.close();
  tmp.cleanup();
});

interface Media { schema?: Record<string, unknown>; example?: unknown; examples?: Record<string, { value: unknown }> }
interface Operation {
  summary?: string;
  description?: string;
  parameters?: Array<{ name: string; in: string; required?: boolean; example?: unknown }>;
  requestBody?: { content?: Record<string, Media> };
  responses?: Record<string, { description?: string; content?: Record<string, Media> }>;
}

async function operations(): Promise<Array<{ method: string; path: string; op: Operation }>> {
  const doc = JSON.parse((await app.inject({ method: 'GET', url: '/docs/json' })).body) as { paths: Record<string, Record<string, Operation>> };
  return Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, op })));
}

describe('OpenAPI at /docs/json', () => {
  it('describes every operation, with its 2xx response schema and its request body', async () => {
    const ops = await operations();
    expect(ops.length).toBeGreaterThanOrEqual(17);
    const problems: string[] = [];
    for (const { method, path, op } of ops) {
      const where = `${method} ${path}`;
      if (!op.summary) problems.push(`${where}: no summary`);
      if (!op.description) problems.push(`${where}: no description`);
      const ok = Object.entries(op.responses ?? {}).filter(([code]) => /^2\d\d$/.test(code));
      if (ok.length === 0) problems.push(`${where}: no 2xx response`);
      for (const [code, r] of ok) {
        if (!r.description) problems.push(`${where}: response ${code} has no description`);
        if (code === '204') continue;
        const media = Object.entries(r.content ?? {});
        if (media.length === 0) problems.push(`${where}: response ${code} has no content`);
        for (const [type, m] of media) if (!m.schema) problems.push(`${where}: response ${code} ${type} has no schema`);
      }
      if (['POST', 'PUT', 'PATCH'].includes(method)) {
        const media = Object.entries(op.requestBody?.content ?? {});
        if (media.length === 0) problems.push(`${where}: no request body`);
        for (const [type, m] of media) {
          if (!m.schema) problems.push(`${where}: request body ${type} has no schema`);
          if (type === 'application/json' && m.example === undefined) problems.push(`${where}: request body has no example for "Try it out"`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('"Try it out" with the document\'s examples succeeds for every operation', async () => {
    const auth = { authorization: `Bearer ${key}` };
    const upload = JSON.parse((await app.inject({ method: 'POST', url: '/v1/sources', payload: [{ id: 'a', ra: 1, dec: 2 }] })).body).id;
    const list = JSON.parse((await app.inject({ method: 'POST', url: '/v1/watchlists', headers: auth, payload: { name: 'docs' } })).body).id;
    const alert = JSON.parse((await app.inject({ method: 'GET', url: '/v1/alerts?limit=1' })).body).alerts[0].alert_id as string;
    const filter = JSON.parse((await app.inject({ method: 'POST', url: '/v1/filters', headers: auth, payload: { name: 'docs', expression: 'alert.mag < 20.0' } })).body).id;
    const sub = JSON.parse((await app.inject({ method: 'POST', url: '/v1/subscriptions', headers: auth, payload: { stream: `filter-${filter}`, channel: { type: 'voevent', folder: true } } })).body).id;
    // Path parameters: the document's example, else real ids of this service.
    const fill = (path: string, op: Operation) => (op.parameters ?? []).filter((p) => p.in === 'path' && p.example !== undefined && p.name !== 'alert_id')
      .reduce((u, p) => u.replace(`{${p.name}}`, encodeURIComponent(String(p.example))), path)
      .replace('/sources/{id}', `/sources/${upload}`)
      .replace('/watchlists/{id}', `/watchlists/${list}`)
      .replace('/alerts/{alert_id}', `/alerts/${alert}`)
      .replace('/filters/{id}', `/filters/${filter}`)
      .replace('/streams/{name}', `/streams/filter-${filter}`)
      .replace('/subscriptions/{id}', `/subscriptions/${sub}`)
      .replace('/targets/{name}', `/targets/${encodeURIComponent('SN 2023ixf')}`);
    // A live tail (SSE) never ends by itself: tested on a server in filters.test.ts.
    const ops = (await operations()).filter((o) => !o.path.endsWith('/events'));
    // Deletions last, the target before its list.
    const rank = (o: { method: string; path: string }) => (o.method !== 'DELETE' ? 0 : o.path.includes('targets') ? 1 : 2);
    ops.sort((a, b) => rank(a) - rank(b));
    const tried: string[] = [];
    for (const { method, path, op } of ops) {
      const query = (op.parameters ?? []).filter((p) => p.in === 'query' && p.example !== undefined).map((p) => `${p.name}=${encodeURIComponent(String(p.example))}`).join('&');
      const url = `${fill(path, op)}${query ? `?${query}` : ''}`;
      const bodies = Object.entries(op.requestBody?.content ?? {}).filter(([, m]) => m.example !== undefined);
      for (const [type, m] of bodies.length ? bodies : [[undefined, undefined] as const]) {
        const payload = m === undefined ? undefined : typeof m.example === 'string' ? m.example : JSON.stringify(m.example);
        const r = await app.inject({ method: method as 'GET', url, headers: { ...auth, ...(type ? { 'content-type': type } : {}) }, payload });
        expect(r.statusCode, `${method} ${url} ${type ?? ''}: ${r.body.slice(0, 300)}`).toBeLessThan(300);
        expect(r.statusCode).toBeGreaterThanOrEqual(200);
        tried.push(`${method} ${path}${type ? ` ${type}` : ''}`);
      }
    }
    expect(new Set(tried.map((t) => t.split(' ').slice(0, 2).join(' '))).size).toBe(ops.length);
    expect(tried).toEqual(expect.arrayContaining(['POST /v1/sources text/csv', 'POST /v1/xmatch application/json', 'POST /v1/watchlists/{id}/targets application/json', 'DELETE /v1/watchlists/{id}']));
  });

  it('serves /metrics as Prometheus text, not a JSON string', async () => {
    const r = await app.inject({ method: 'GET', url: '/metrics' });
    expect(r.headers['content-type']).toMatch(/^text\/plain; version=0.0.4/);
    expect(r.body).toMatch(/^# HELP skyjoin_/);
  });
});
