// A tiny Confluent schema registry (node:http) serving Rubin 11.1 from the
// shared folder, once as one self-contained schema and once with references.

import { readFileSync, readdirSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertDecoder, DecodeError, RegistrySchemaSource } from '../../../src/stream/decode/index.js';
import { LSST_SCHEMAS, WIRE_SAMPLE, bytes } from './data.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const folder = path.join(LSST_SCHEMAS, '11.1');
const files = readdirSync(folder).filter((f) => f.endsWith('.avsc'));
const texts = new Map(files.map((f) => [f.replace(/\.avsc$/, ''), readFileSync(path.join(folder, f), 'utf8')]));

/** The alert schema with each referenced file inlined at its first use. */
function selfContained(): string {
  const seen = new Set<string>();
  const inline = (node: Json): Json => {
    if (typeof node === 'string') {
      if (texts.has(node) && !seen.has(node)) {
        seen.add(node);
        return inline(JSON.parse(texts.get(node) as string) as Json);
      }
      return node;
    }
    if (Array.isArray(node)) return node.map(inline);
    if (node !== null && typeof node === 'object') {
      const out: { [k: string]: Json } = {};
      for (const [k, v] of Object.entries(node)) out[k] = k === 'default' || k === 'doc' ? v : inline(v);
      return out;
    }
    return node;
  };
  seen.add('lsst.v11_1.alert');
  return JSON.stringify(inline(JSON.parse(texts.get('lsst.v11_1.alert') as string) as Json));
}

let server: Server;
let base: string;
const hits: string[] = [];

beforeAll(async () => {
  const whole = selfContained();
  server = createServer((req, res) => {
    const url = req.url ?? '';
    hits.push(url);
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
      res.end(JSON.stringify(body));
    };
    if (url === '/inline/schemas/ids/1101') return send(200, { schema: whole });
    if (url === '/refs/schemas/ids/1101') {
      const refs = [...texts.keys()].filter((n) => n !== 'lsst.v11_1.alert');
      return send(200, {
        schema: texts.get('lsst.v11_1.alert'),
        references: refs.map((n) => ({ name: n, subject: n, version: 1 })),
      });
    }
    const sub = /^\/refs\/subjects\/([^/]+)\/versions\/1$/.exec(url);
    if (sub !== null && texts.has(decodeURIComponent(sub[1]))) {
      return send(200, { subject: sub[1], version: 1, schema: texts.get(decodeURIComponent(sub[1])) });
    }
    if (url.startsWith('/broken/')) return send(500, { error_code: 50001, message: 'boom' });
    return send(404, { error_code: 40403, message: 'Schema not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('schema registry source', () => {
  const wire = bytes(WIRE_SAMPLE);

  it('decodes the Confluent sample through a registry serving a self-contained schema, fetching once', async () => {
    hits.length = 0;
    const dec = new AlertDecoder({ schemaRegistryUrl: `${base}/inline` });
    const first = dec.decode(wire);
    expect(first).toBeInstanceOf(Promise);
    const [a] = await first;
    expect(a.alertId).toBe(1231321321n);
    expect(a.schemaVersion).toBe('11.1');
    expect(a.surveyObjectId).toBe('281323062375219201');
    // Cached: the next message needs no request and decodes synchronously.
    const second = dec.decode(wire);
    expect(Array.isArray(second)).toBe(true);
    expect((second as typeof a[])[0]).toStrictEqual(a);
    expect(hits).toEqual(['/inline/schemas/ids/1101']);
  });

  it('follows schema references', async () => {
    hits.length = 0;
    const dec = new AlertDecoder({ schemaRegistryUrl: `${base}/refs/` });
    const [a] = await dec.decode(wire);
    expect(a.alertId).toBe(1231321321n);
    expect(hits[0]).toBe('/refs/schemas/ids/1101');
    expect(hits.length).toBe(texts.size); // the alert + one request per referenced file
  });

  it('decodes concurrent messages with a single request', async () => {
    hits.length = 0;
    const dec = new AlertDecoder({ schemaRegistryUrl: `${base}/inline` });
    const all = await Promise.all([dec.decode(wire), dec.decode(wire), dec.decode(wire)]);
    expect(all.map(([x]) => x.alertId)).toEqual([1231321321n, 1231321321n, 1231321321n]);
    expect(hits.length).toBe(1);
  });

  it('an id the registry does not know is unknown_schema_id; server errors are schema_registry_error', async () => {
    const unknown = Buffer.from(wire);
    unknown.writeUInt32BE(1299, 1);
    await expect(new AlertDecoder({ schemaRegistryUrl: `${base}/inline` }).decode(unknown)).rejects.toMatchObject({
      name: 'DecodeError',
      reason: 'unknown_schema_id',
    });
    await expect(new AlertDecoder({ schemaRegistryUrl: `${base}/broken` }).decode(wire)).rejects.toMatchObject({
      reason: 'schema_registry_error',
    });
  });

  it('an unreachable registry is schema_registry_error, and a later lookup retries', async () => {
    let calls = 0;
    const failing: typeof fetch = async () => {
      calls++;
      throw new TypeError('fetch failed');
    };
    const src = new RegistrySchemaSource('http://registry.invalid', { fetch: failing });
    await expect(Promise.resolve(src.get(1101))).rejects.toBeInstanceOf(DecodeError);
    await expect(Promise.resolve(src.get(1101))).rejects.toMatchObject({ reason: 'schema_registry_error' });
    expect(calls).toBe(2);
  });

  it('the folder is tried before the registry', () => {
    hits.length = 0;
    const dec = new AlertDecoder({ lsstSchemas: folder, schemaRegistryUrl: `${base}/inline` });
    const out = dec.decode(wire);
    expect(Array.isArray(out)).toBe(true);
    expect(hits.length).toBe(0);
  });

  it('refuses a registry URL that is not http(s)', () => {
    expect(() => new RegistrySchemaSource('file:///etc')).toThrow(TypeError);
    expect(() => new RegistrySchemaSource('not a url')).toThrow(/schemaRegistryUrl/);
  });
});
