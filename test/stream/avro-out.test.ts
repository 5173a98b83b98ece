// The Avro encodings of the output streams: container files next to the JSON
// lines (file mode), Confluent wire format with a real HTTP schema registry
// and plain Avro binary (Kafka), against the published schemas/*.avsc.

import { appendFileSync, cpSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import avro from 'avsc';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIGINT_LONG } from '../../src/stream/decoding/avro-types.js';
import { StreamPipeline } from '../../src/stream/pipeline.js';
import type { Batch, Stage } from '../../src/stream/stage.js';
import { AvroFileOutputs, AvroKafkaEncoding, AvroValueError, shippedSchemaDir } from '../../src/stream/sinks/avro-out.js';
import { DirSink } from '../../src/stream/sinks/dir.js';
import { KafkaSink } from '../../src/stream/sinks/kafka.js';
import type { OutRecord } from '../../src/stream/sinks/sink.js';
import { fileBatches } from '../../src/stream/sources/file.js';
import { startKafkaMock } from '../support/kafka-mock.js';
import { SHARED_DATA } from '../support/vectors.js';
import { tempDir } from '../support/tmp.js';

const ZTF = path.join(SHARED_DATA, 'ztf', 'alerts');
const SCHEMAS = shippedSchemaDir();
const tmp = tempDir();
afterAll(() => tmp.cleanup());

const published = (file: string): avro.Type => avro.Type.forSchema(JSON.parse(readFileSync(path.join(SCHEMAS, file), 'utf8')));
const fileOf = (stream: string): string => (stream.startsWith('watchlist-') ? 'watchhit.avsc' : `${stream}.avsc`);

/** Every record of a container file, read by avsc with the published schema as reader schema. */
function decodeFile(file: string, readerSchema: unknown): Promise<{ records: unknown[]; schema: string }> {
  return new Promise((resolve, reject) => {
    const records: unknown[] = [];
    let schema = '';
    avro.createFileDecoder(file, { readerSchema } as never)
      .on('metadata', (_t: unknown, _c: unknown, header: { meta: Record<string, Buffer> }) => { schema = header.meta['avro.schema'].toString(); })
      .on('data', (r: unknown) => records.push(r))
      .on('error', reject)
      .on('end', () => resolve({ records, schema }));
  });
}

/** JSON view with absent == null (JSON omits undefined and writes NaN as null). */
function plain(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v), (_k, x) => (x === null ? undefined : x));
}

const jsonl = (file: string): unknown[] => readFileSync(file, 'utf8').trim().split('\n').map((l) => plain(JSON.parse(l)));

/** Watch-list hits shaped as src/stream/stages/watch.ts writes them: a target hit, then a region hit. */
const watchHits: Stage = {
  name: 'watch',
  afterCommit(batch: Batch) {
    const hits: OutRecord[] = batch.alerts.filter((a) => a.status === 'new').slice(0, 3).map((a, i) => {
      const region = i === 2;
      const value: Record<string, unknown> = {
        watchlist_id: 'wl7', watchlist_name: 'nearby SNe', kind: region ? 'region' : 'target', target: region ? 'M31 disc' : `T${i}`,
        sep_arcsec: region ? null : 0.25 * (i + 1), alert_id: a.alert.alertId.toString(), object_id: String(a.object.id), survey: a.alert.survey,
        survey_object_id: a.alert.surveyObjectId, ra: a.alert.ra, dec: a.alert.dec, mjd: a.alert.mjd, band: a.alert.band, mag: a.alert.mag ?? null,
        recorded_at: new Date().toISOString(),
        ...(region ? { region: 'M31 disc', region_kind: 'moc', region_order: 8 } : { target_ra: a.alert.ra, target_dec: a.alert.dec, target_radius_arcsec: 2 }),
      };
      return { key: `${a.alert.alertId}:${region ? 'region:' : ''}${value.target}`, value };
    });
    batch.emit('watchlist-wl7', hits);
  },
};

async function run(src: string, data: string, out: string): Promise<StreamPipeline> {
  const p = new StreamPipeline({ dataDir: data, sink: new DirSink(out, undefined, new AvroFileOutputs(out)), archive: false, parquet: false, watch: watchHits });
  await p.recover();
  for (const b of fileBatches(src, 100)) await p.handle(b);
  await p.close();
  return p;
}

function linkSources(dir: string, entries: string[]): string {
  mkdirSync(dir, { recursive: true });
  for (const e of entries) symlinkSync(e, path.join(dir, path.basename(e)));
  return dir;
}

describe('Avro container files (--avro)', () => {
  const out = path.join(tmp.dir, 'run', 'out');
  const data = path.join(tmp.dir, 'run', 'data');
  const dirs = readdirSync(ZTF).sort().map((d) => path.join(ZTF, d)).filter((d) => statSync(d).isDirectory());
  const streams = ['objects', 'detections', 'nondetections', 'deadletter', 'watchlist-wl7'];
  let firstCounts: Record<string, number>;

  async function expectFilesMatchJson(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const s of streams) {
      const { records, schema } = await decodeFile(path.join(out, `${s}.avro`), JSON.parse(readFileSync(path.join(SCHEMAS, fileOf(s)), 'utf8')));
      // The embedded schema is the published one.
      expect(JSON.parse(schema), s).toEqual(JSON.parse(readFileSync(path.join(SCHEMAS, fileOf(s)), 'utf8')));
      const want = jsonl(path.join(out, `${s}.jsonl`));
      expect(records.map(plain), s).toEqual(want);
      counts[s] = records.length;
    }
    return counts;
  }

  it('writes every stream of real ZTF alerts as a container that decodes to the JSON lines', async () => {
    const src = linkSources(path.join(tmp.dir, 'src1'), dirs.slice(0, 8));
    writeFileSync(path.join(src, 'zz-garbage.avro'), 'definitely not avro');
    const p = await run(src, data, out);
    firstCounts = await expectFilesMatchJson();
    for (const s of streams) expect(firstCounts[s], s).toBe(p.outputs[s]);
    expect(firstCounts.deadletter).toBe(1);
    // 64-bit ids exact, as strings.
    const dets = (await decodeFile(path.join(out, 'detections.avro'), undefined)).records as Array<{ alert_id: string }>;
    expect(dets.every((d) => typeof d.alert_id === 'string' && /^\d+$/.test(d.alert_id))).toBe(true);
    expect(dets.some((d) => BigInt(d.alert_id) > BigInt(Number.MAX_SAFE_INTEGER))).toBe(true);
  });

  it('a second run (new process state, Rubin alerts too) appends to the same files, which still decode whole', async () => {
    const sync = (f: string) => { const b = readFileSync(f); return b.subarray(b.length - 16).toString('hex'); };
    const before = sync(path.join(out, 'detections.avro'));
    const src = linkSources(path.join(tmp.dir, 'src2'), [...dirs.slice(8), path.join(SHARED_DATA, 'lsst', 'real_alerts_fink')]);
    writeFileSync(path.join(src, 'zz-garbage-2.avro'), 'also not avro');
    const p = new StreamPipeline({ dataDir: data, sink: new DirSink(out, undefined, new AvroFileOutputs(out)), archive: false, parquet: false, watch: watchHits, decoder: { lsstSchemas: path.join(SHARED_DATA, 'lsst', 'schema') } });
    for (const b of fileBatches(src, 100)) await p.handle(b);
    await p.close();
    const counts = await expectFilesMatchJson();
    for (const s of streams) expect(counts[s], s).toBe(firstCounts[s] + (p.outputs[s] ?? 0));
    expect(p.outputs.detections).toBeGreaterThan(100);
    expect(sync(path.join(out, 'detections.avro'))).toBe(before); // same marker: one container, not two
    const lsst = (jsonl(path.join(out, 'detections.jsonl')) as Array<{ survey: string; alert_id: string; flux?: number }>).filter((d) => d.survey === 'lsst');
    expect(lsst.length).toBeGreaterThan(50);
    expect(lsst.every((d) => typeof d.flux === 'number')).toBe(true);
  });

  it('cuts a half-written block from a crash and appends after the last whole one', async () => {
    const dir = path.join(tmp.dir, 'crash');
    const a = new AvroFileOutputs(dir);
    const rec = (id: number): OutRecord => ({ key: String(id), value: { object_id: String(id), ra: 1, dec: 2, aliases: [], surveys: ['ztf'], n_detections: 1, first_mjd: 3, last_mjd: 3, latest: { g: [18.5, 3] } } });
    a.write('objects', [rec(1), rec(2)]);
    a.flush();
    a.close();
    appendFileSync(path.join(dir, 'objects.avro'), Buffer.from([0x04, 0x7e, 1, 2, 3])); // a block cut short
    const b = new AvroFileOutputs(dir);
    b.write('objects', [rec(3)]);
    b.close();
    const { records } = await decodeFile(path.join(dir, 'objects.avro'), undefined);
    expect((records as Array<{ object_id: string }>).map((r) => r.object_id)).toEqual(['1', '2', '3']);
    // Deflate on request for new files; an existing file keeps its own codec.
    const c = new AvroFileOutputs(dir, { codec: 'deflate' });
    c.write('objects', [rec(4)]);
    c.write('deadletter', [{ key: 'k', value: { origin: 'o', topic: 't', partition: 0, offset: '1', reason: 'r', message: 'm', value: 'AAEC', at: 'now' } }]);
    c.close();
    expect(readFileSync(path.join(dir, 'objects.avro')).includes('deflate')).toBe(false);
    expect(readFileSync(path.join(dir, 'deadletter.avro')).includes('deflate')).toBe(true);
    expect((await decodeFile(path.join(dir, 'objects.avro'), undefined)).records).toHaveLength(4);
    expect((await decodeFile(path.join(dir, 'deadletter.avro'), undefined)).records).toMatchObject([{ reason: 'r', value: 'AAEC' }]);
  });

  it('moves aside a file written with another schema instead of mixing schemas', async () => {
    const dir = path.join(tmp.dir, 'evolve');
    const schemas = path.join(tmp.dir, 'evolve-schemas');
    cpSync(SCHEMAS, schemas, { recursive: true });
    const hit = { watchlist_id: 'w', alert_id: '1' };
    let a = new AvroFileOutputs(dir, { schemaDir: schemas });
    a.write('watchlist-w', [{ key: '1', value: hit }]);
    a.close();
    const s = JSON.parse(readFileSync(path.join(schemas, 'watchhit.avsc'), 'utf8'));
    s.fields.push({ name: 'note', type: ['null', 'string'], default: null });
    writeFileSync(path.join(schemas, 'watchhit.avsc'), JSON.stringify(s));
    a = new AvroFileOutputs(dir, { schemaDir: schemas });
    a.write('watchlist-w', [{ key: '2', value: { ...hit, alert_id: '2', note: 'new field' } }]);
    a.close();
    const files = readdirSync(dir).sort();
    expect(files).toHaveLength(2);
    const old = files.find((f) => f !== 'watchlist-w.avro')!;
    expect(old).toMatch(/^watchlist-w\.\d{8}T\d{6}Z\.avro$/);
    expect(((await decodeFile(path.join(dir, old), undefined)).records[0] as { alert_id: string }).alert_id).toBe('1');
    expect((await decodeFile(path.join(dir, 'watchlist-w.avro'), undefined)).records).toMatchObject([{ alert_id: '2', note: 'new field' }]);
  });

  it('refuses a bad record with an error naming the stream and field, and writes it to neither output', () => {
    const dir = path.join(tmp.dir, 'bad');
    const sink = new DirSink(dir, undefined, new AvroFileOutputs(dir));
    const ok = { object_id: '5', ra: 1, dec: 2, aliases: [], surveys: ['ztf'], n_detections: 1, first_mjd: 3, last_mjd: 3, latest: {} };
    const err = (stream: string, value: Record<string, unknown>): AvroValueError => {
      try {
        sink.write(stream, [{ key: 'k1', value }]);
      } catch (e) {
        return e as AvroValueError;
      }
      throw new Error('no error');
    };
    const { ra: _ra, ...noRa } = ok;
    let e = err('objects', noRa);
    expect(e).toBeInstanceOf(AvroValueError);
    expect(e).toMatchObject({ stream: 'objects', field: 'ra' });
    expect(e.message).toBe("stream 'objects', record 0 (key 'k1'): field 'ra' is missing (required by the schema) (schema skyjoin.stream.Object, objects.avsc)");
    e = err('objects', { ...ok, latest: { g: ['18.2', 60000] } });
    expect(e.field).toBe('latest["g"][0]');
    expect(e.message).toContain('expected a finite number, got string "18.2"');
    e = err('objects', { ...ok, n_detections: 2.5 });
    expect(e.message).toContain("field 'n_detections' expected a 64-bit integer");
    e = err('watchlist-3', { watchlist_id: '3', alert_id: 12, object_id: '5' });
    expect(e).toMatchObject({ stream: 'watchlist-3', field: 'alert_id' });
    expect(e.message).toContain('expected a string, got number 12 (schema skyjoin.stream.WatchHit, watchhit.avsc)');
    e = err('watchlist-3', { watchlist_id: '3', alert_id: '12', watchlist: '3' });
    expect(e.message).toContain("field 'watchlist' is not in the schema");
    e = err('objects', { ...ok, ra: Number.NaN });
    expect(e.field).toBe('ra');
    // A NaN in a nullable field is null, as in the JSON variant.
    const det = { alert_id: '1', object_id: '1', survey: 'ztf', mjd: 1, night: '20200101', band: 'g', ra: Number.NaN, dec: 1, from: 'history' };
    const enc = new AvroFileOutputs(dir).encode('detections', [{ key: '1', value: det }]);
    expect(published('detections.avsc').fromBuffer(enc[0])).toMatchObject({ ra: null, dec: 1, mag: null });
    // Nothing of the refused records reached the JSON lines either.
    return sink.flush().then(() => expect(readdirSync(dir)).toEqual([]));
  });

  it('finds schemas/annotated.avsc when it exists and names the file when it does not', () => {
    const schemas = path.join(tmp.dir, 'schemas-annotated');
    cpSync(SCHEMAS, schemas, { recursive: true, filter: (f) => !f.endsWith('annotated.avsc') });
    const a = new AvroFileOutputs(path.join(tmp.dir, 'ann'), { schemaDir: schemas });
    expect(() => a.write('annotated', [{ key: '1', value: { alert_id: '1' } }])).toThrow(`output stream 'annotated': no Avro schema at ${path.join(schemas, 'annotated.avsc')}`);
    expect(() => a.write('mystery', [{ key: '1', value: {} }])).toThrow("output stream 'mystery' has no Avro schema");
    writeFileSync(path.join(schemas, 'annotated.avsc'), JSON.stringify({ type: 'record', name: 'Annotated', namespace: 'skyjoin.stream', fields: [{ name: 'alert_id', type: 'string' }, { name: 'candid', type: 'long' }] }));
    const enc = a.encode('annotated', [{ key: '1', value: { alert_id: '2475433850015010009', candid: 2475433850015010009n } }]);
    expect(a.schemaName('annotated')).toMatch(/^skyjoin\.stream\.Annotated@[0-9a-f]{16}$/);
    // A long beyond 2^53 is written exactly (read back as BigInt).
    const exact = avro.Type.forSchema(JSON.parse(readFileSync(path.join(schemas, 'annotated.avsc'), 'utf8')), { registry: { long: BIGINT_LONG } } as never);
    expect(exact.fromBuffer(enc[0])).toMatchObject({ alert_id: '2475433850015010009', candid: 2475433850015010009n });
    writeFileSync(path.join(schemas, 'nondetections.avsc'), '{"type": "record", "name": ');
    expect(() => a.write('nondetections', [{ key: '1', value: {} }])).toThrow(/nondetections\.avsc is not a valid Avro schema/);
  });
});

/** A Confluent schema registry with the two endpoints the stream uses. */
async function startRegistry(): Promise<{ url: string; subjects: Map<string, number>; schemas: string[]; close: () => Promise<void> }> {
  const schemas: string[] = [];
  const subjects = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown) => { res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' }); res.end(JSON.stringify(body)); };
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const post = /^\/subjects\/([^/]+)\/versions$/.exec(req.url ?? '');
      const get = /^\/schemas\/ids\/(\d+)$/.exec(req.url ?? '');
      if (req.method === 'POST' && post) {
        if (req.headers['content-type'] !== 'application/vnd.schemaregistry.v1+json') return reply(415, { error_code: 415, message: 'content type' });
        const { schema } = JSON.parse(body) as { schema: string };
        try { avro.Type.forSchema(JSON.parse(schema)); } catch { return reply(422, { error_code: 42201, message: 'Invalid schema' }); }
        let id = schemas.indexOf(schema) + 1;
        if (id === 0) id = schemas.push(schema);
        subjects.set(decodeURIComponent(post[1]), id);
        return reply(200, { id });
      }
      if (req.method === 'GET' && get) {
        const s = schemas[Number(get[1]) - 1];
        return s ? reply(200, { schema: s }) : reply(404, { error_code: 40403, message: 'Schema not found' });
      }
      reply(404, { error_code: 404, message: 'no route' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, subjects, schemas, close: () => new Promise((r) => server.close(() => r())) };
}

const objectRec = (id: string): OutRecord => ({ key: id, value: { object_id: id, ra: 10.5, dec: -45.25, aliases: [`lsst:${id}`], surveys: ['lsst'], n_detections: 2, first_mjd: 60924.3, last_mjd: 60925.3, latest: { i: [22.7, 60925.3] }, object_url: `http://127.0.0.1:8080/v1/objects/${id}` } });

describe('Avro for Kafka', () => {
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  beforeAll(async () => { registry = await startRegistry(); });
  afterAll(async () => { await registry.close(); });

  it('without a registry: plain Avro binary that the published schema reads, and a schema name', async () => {
    const e = await AvroKafkaEncoding.create({ streams: ['objects', 'deadletter'] });
    const [m] = e.encode('objects', [objectRec('169298432598474793')]);
    expect(published('objects.avsc').fromBuffer(m)).toEqual(objectRec('169298432598474793').value);
    expect(e.schemaName('objects')).toBe(`skyjoin.stream.Object@${published('objects.avsc').fingerprint('md5').toString('hex').slice(0, 16)}`);
  });

  it('with a registry: registers each stream once under <topic>-value and frames values in the Confluent wire format', async () => {
    const e = await AvroKafkaEncoding.create({ registryUrl: registry.url, instance: 'night1', streams: ['objects', 'detections', 'nondetections', 'deadletter'] });
    expect([...registry.subjects.keys()].sort()).toEqual(['deadletter-night1-value', 'detections-night1-value', 'nondetections-night1-value', 'objects-night1-value']);
    const id = e.schemaId('objects')!;
    expect(id).toBe(registry.subjects.get('objects-night1-value'));
    const [m] = e.encode('objects', [objectRec('7')]);
    expect(m[0]).toBe(0);
    expect(m.readUInt32BE(1)).toBe(id);
    const res = await fetch(`${registry.url}/schemas/ids/${id}`);
    const type = avro.Type.forSchema(JSON.parse(((await res.json()) as { schema: string }).schema));
    expect(type.fromBuffer(m.subarray(5))).toEqual(objectRec('7').value);
    // A watch list created during the run is registered on first use; same schema, same id, for every list.
    expect(() => e.encode('watchlist-9', [])).toThrow(/not registered .* yet/);
    await e.ready('watchlist-9');
    await e.ready('watchlist-10');
    expect(registry.subjects.get('watchlist-9-night1-value')).toBe(registry.subjects.get('watchlist-10-night1-value'));
    await expect(AvroKafkaEncoding.create({ registryUrl: 'http://127.0.0.1:9', streams: ['objects'] })).rejects.toThrow(/schema registry http:\/\/127\.0\.0\.1:9 did not answer POST/);
  });

  it('KafkaSink produces registry-framed Avro that decodes to the records, watch-list topics included', async () => {
    const mock = await startKafkaMock({ topics: { 'objects-t': 1, 'watchlist-w1-t': 1 } });
    try {
      const enc = await AvroKafkaEncoding.create({ registryUrl: registry.url, instance: 't', streams: ['objects'] });
      const sink = new KafkaSink(mock.bootstrap, 't', enc);
      const hit = { watchlist_id: 'w1', watchlist_name: 'mine', kind: 'target', target: 'SN 2023ixf', sep_arcsec: 0.4, alert_id: '2475433850015010009', object_id: '3', survey: 'ztf', survey_object_id: 'ZTF23aaklqou', ra: 210.9, dec: 54.3, mjd: 60085.2, band: 'r', mag: 14.2, mag_err: 0.02, object_url: 'http://127.0.0.1:8080/v1/objects/3', alert_url: 'http://127.0.0.1:8080/v1/alerts/2475433850015010009', recorded_at: '2023-05-19T21:00:00.000Z', target_ra: 210.91, target_dec: 54.31, target_radius_arcsec: 2, region: null, region_kind: null, region_ra: null, region_dec: null, region_radius_arcsec: null, region_order: null };
      sink.write('objects', [objectRec('1'), objectRec('2')]);
      sink.write('watchlist-w1', [{ key: `${hit.alert_id}:${hit.target}`, value: hit }]);
      await sink.close();
      expect(registry.subjects.has('watchlist-w1-t-value')).toBe(true);
      const kafka = new Kafka({ clientId: 'avro-test', brokers: mock.bootstrap, logLevel: logLevel.NOTHING });
      const c = kafka.consumer({ groupId: 'avro-reader', sessionTimeout: 4000, heartbeatInterval: 300, maxWaitTimeInMs: 100 });
      await c.connect();
      await c.subscribe({ topics: ['objects-t', 'watchlist-w1-t'], fromBeginning: true });
      const got: Array<{ topic: string; key: string; value: unknown; schema: string }> = [];
      await c.run({
        eachMessage: async ({ topic, message }) => {
          const v = message.value!;
          const res = await fetch(`${registry.url}/schemas/ids/${v.readUInt32BE(1)}`);
          const type = avro.Type.forSchema(JSON.parse(((await res.json()) as { schema: string }).schema));
          got.push({ topic, key: message.key!.toString(), value: type.fromBuffer(v.subarray(5)), schema: String(message.headers!['skyjoin-schema']) });
        },
      });
      for (let t = Date.now(); got.length < 3 && Date.now() - t < 30_000;) await new Promise((r) => setTimeout(r, 100));
      await c.disconnect();
      got.sort((a, b) => a.topic.localeCompare(b.topic) || a.key.localeCompare(b.key));
      expect(got.map((g) => [g.topic, g.key])).toEqual([['objects-t', '1'], ['objects-t', '2'], ['watchlist-w1-t', `${hit.alert_id}:${hit.target}`]]);
      expect(got[0].value).toEqual(objectRec('1').value);
      expect(got[2].value).toEqual(hit);
      expect(got[2].schema).toMatch(/^skyjoin\.stream\.WatchHit@/);
    } finally {
      await mock.stop();
    }
  }, 60_000);
});
