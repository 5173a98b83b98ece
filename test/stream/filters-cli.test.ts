// A filter created over HTTP is applied by a running `skyjoin stream` (the
// CLI command, in its own process, consuming Kafka from the librdkafka mock)
// from its next batch; the registry then shows the stream's address and counts.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/service/app.js';
import type { ServiceContext } from '../../src/service/context.js';
import { KeyStore } from '../../src/service/keys.js';
import { fileBatches } from '../../src/stream/sources/file.js';
import { startKafkaMock, type KafkaMock } from '../support/kafka-mock.js';
import { SHARED_DATA } from '../support/vectors.js';
import { tempDir } from '../support/tmp.js';

const ZTF = path.join(SHARED_DATA, 'ztf', 'alerts');
const tmp = tempDir();
const DATA = path.join(tmp.dir, 'data');
const OUT = path.join(tmp.dir, 'out');
let mock: KafkaMock;
let producer: Producer;
let app: FastifyInstance;
let key = '';

beforeAll(async () => {
  mock = await startKafkaMock({ topics: { alerts: 1 } });
  producer = new Kafka({ clientId: 'test', brokers: mock.bootstrap, logLevel: logLevel.NOTHING }).producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  app = await buildApp({ dataDir: DATA, logger: false });
  key = (await new KeyStore((app as unknown as { skyjoin: ServiceContext }).skyjoin.env).create('astro')).key;
}, 60_000);

afterAll(async () => {
  await producer?.disconnect();
  await app?.close();
  await mock?.stop();
  tmp.cleanup();
});

const lines = (stream: string): Array<Record<string, any>> => {
  const f = path.join(OUT, `${stream}.jsonl`);
  return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
};

async function until(what: string, ok: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('a running skyjoin stream', () => {
  it('applies a filter created over HTTP from its next batch', async () => {
    const first = [...fileBatches(path.join(ZTF, 'pgb_alerts_for_testing_20210901'), 1000)][0];
    const second = [...fileBatches(path.join(ZTF, 'kowalski_20231012'), 1000)][0];
    for (const m of first) await producer.send({ topic: 'alerts', messages: [{ value: Buffer.from(m.value) }] });
    // The CLI's own command in a child process (src/cli/main.ts, as bin/skyjoin.js runs it).
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
      const { main } = await import(process.argv[1]);
      process.exitCode = await main(process.argv.slice(2));
    `, path.resolve('src/cli/main.ts'), 'stream', '--from', `kafka://${mock.bootstrap.join(',')}/alerts`, '--group', 'filters-cli',
      '--data', DATA, '--to', `dir:${OUT}`, '--no-archive', '--no-cutouts', '--no-parquet', '--session-timeout', '6'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    try {
      await until('the first 50 alerts', () => lines('annotated').length >= 50, 90_000);
      const r = await app.inject({ method: 'POST', url: '/v1/filters', headers: { authorization: `Bearer ${key}` }, payload: { name: 'all of them', expression: 'alert.ra >= 0.0 && alert.drb >= 0.0' } });
      expect(r.statusCode, r.body).toBe(201);
      const id = JSON.parse(r.body).id as string;
      // One message per request: a record batch above the consumer's 1 MB per partition stalls on the mock.
      for (const m of second) await producer.send({ topic: 'alerts', messages: [{ value: Buffer.from(m.value) }] });
      await until('the next 24 alerts', () => lines('annotated').length >= 74);
      await until('the matches', () => lines(`filter-${id}`).length >= 24);
      const got = lines(`filter-${id}`).map((v) => v.alert_id).sort();
      const want = lines('annotated').slice(50).map((v) => v.alert_id).sort();
      expect(got).toEqual(want);
      expect(got).toHaveLength(24);
      // The registry: where the stream wrote and how much.
      const s = JSON.parse((await app.inject({ method: 'GET', url: `/v1/streams/filter-${id}`, headers: { authorization: `Bearer ${key}` } })).body);
      expect(s).toMatchObject({ protocol: 'file', address: path.join(OUT, `filter-${id}.jsonl`), messages: { total: 24 } });
      const ann = JSON.parse((await app.inject({ method: 'GET', url: '/v1/streams/annotated' })).body);
      expect(ann.messages.total).toBe(74);
    } catch (e) {
      const { StreamStore } = await import('../../src/stream/store.js');
      const st = StreamStore.at(DATA);
      const counts = JSON.stringify(st.counts().totals);
      await st.close();
      throw new Error(`${(e as Error).message}; annotated ${lines('annotated').length}; counts ${counts}; exit ${child.exitCode}; stream log:\n${err.slice(-3000)}`);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, err.slice(-2000)).toBe(0);
  }, 180_000);
});
